'use strict';
// Stands in for @apollo/utils.createhash 3.0.1 (package.json "overrides"; see README.md here): the same
// `createHash(kind)`, giving what `crypto.createHash(kind)` gives for every use Apollo Server makes of it.
//
// Why: the original calls `module.require('crypto')` on every call, and Apollo Server hashes every request's document
// with it (requestPipeline.js `computeQueryHash`, the document cache's key and the persisted-query check). On the
// one-person path that lookup through Node's module loader and the hash object were 4 % of the facade's CPU in
// `npm run bench:profile`. Here `crypto` is required once, and the common case, one string hashed whole, is hashed in
// one step with `crypto.hash` (Node >= 20.12): a hash object is made only when a hash is fed more than one string or
// anything but a string.
const crypto = require('node:crypto');

/** Algorithms hashed in one step; any other name goes to `crypto.createHash` at once, which refuses what it lacks. */
const ONE_STEP = new Set(crypto.getHashes());

class Hash {
  constructor(kind) {
    this.kind = kind;
    /** The one string given so far, or undefined. */
    this.text = undefined;
    /** node:crypto's hash once more than one string, or any other input, was given. */
    this.hash = undefined;
    /** Digested in one step: like node:crypto's, the hash takes nothing more. */
    this.digested = false;
    if (!ONE_STEP.has(kind)) this.hash = crypto.createHash(kind);
  }

  update(data, inputEncoding) {
    if (this.digested) throw finalized();
    if (this.hash === undefined && this.text === undefined && typeof data === 'string' && inputEncoding === undefined) {
      this.text = data;
      return this;
    }
    if (this.hash === undefined) {
      this.hash = crypto.createHash(this.kind);
      if (this.text !== undefined) this.hash.update(this.text);
      this.text = undefined;
    }
    this.hash.update(data, inputEncoding);
    return this;
  }

  digest(encoding) {
    if (this.hash !== undefined) return this.hash.digest(encoding);
    if (this.digested) throw finalized();
    this.digested = true;
    return crypto.hash(this.kind, this.text ?? '', encoding ?? 'buffer');
  }
}

/** What node:crypto throws for a hash used after its digest. */
function finalized() {
  const err = new Error('Digest already called');
  err.code = 'ERR_CRYPTO_HASH_FINALIZED';
  return err;
}

exports.createHash = function createHash(kind) {
  return new Hash(kind);
};
