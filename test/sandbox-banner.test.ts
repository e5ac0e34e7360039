import { mkdtemp, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { loadTrustedDocuments } from '../src/http/trusted-documents.js';
import { sandboxBanner } from '../src/sandbox-banner.js';

const token = { access_token: 'eyJ.token.sig', expires_in: 3600 };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function manifestOf(...documents: string[]) {
  const file = join(await mkdtemp(join(tmpdir(), 'banner-')), 'documents.json');
  await writeFile(file, JSON.stringify(Object.fromEntries(documents.map((d) => [sha256(d), d]))));
  return { file, documents: await loadTrustedDocuments(file) };
}

const bodyOf = (banner: string) => JSON.parse(/^\s+-d '(.+)'$/m.exec(banner)?.[1] ?? 'null') as unknown;

describe('the sandbox banner', () => {
  it('sends a query text when any document may run', () => {
    const banner = sandboxBanner({ publicUrl: 'http://localhost:4000', config: loadConfig({}), token });
    expect(banner).toContain('TOKEN=eyJ.token.sig');
    expect(bodyOf(banner)).toMatchObject({ query: expect.stringContaining('person(id: $id)') });
  });

  it('sends a listed person look-up by its hash with trusted documents only, whatever else is listed first', async () => {
    const person = 'query Who($id: PersonIdentifier!) { person(id: $id) { status } }';
    const { file, documents } = await manifestOf(
      'query Me { me { scopes } }',
      // Not a person look-up, whatever its text says: an id variable passed nowhere but in a comment.
      'query Near($id: PersonIdentifier!) {\n  # person(id: $id)\n  me { scopes }\n}',
      'query Two($id: PersonIdentifier!, $why: String) { person(id: $id) { status } }',
      person,
    );
    const config = loadConfig({ TRUSTED_DOCUMENTS_FILE: file });
    const banner = sandboxBanner({ publicUrl: 'http://localhost:4000', config, token, trustedDocuments: documents });
    expect(bodyOf(banner)).toEqual({ documentId: `sha256:${sha256(person)}`, variables: { id: '11822648950' } });
    expect(banner).toContain('GraphiQL runs nothing here');
  });

  it('says how to send a listed document when none looks a person up by $id', async () => {
    const { file, documents } = await manifestOf('query Me { me { scopes } }');
    const config = loadConfig({ TRUSTED_DOCUMENTS_FILE: file });
    const banner = sandboxBanner({ publicUrl: 'http://localhost:4000', config, token, trustedDocuments: documents });
    expect(banner).toContain('only the documents of TRUSTED_DOCUMENTS_FILE run here');
    expect(banner).not.toContain('"query"');
  });
});
