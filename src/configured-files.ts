import type { Config } from './config.js';
import { loadTrustedDocuments, TrustedDocumentsError } from './http/trusted-documents.js';
import { CredentialsError, loadCredentials } from './maskinporten/credentials.js';
import { tracingSettings, TracingConfigError } from './observability/tracing.js';
import { loadTenantsFile, TenantsError } from './tenants/tenants.js';

/**
 * What the variables name that is checked only when used: the Maskinporten key or keystore, `TENANTS_FILE`,
 * `TRUSTED_DOCUMENTS_FILE` and the `OTEL_*` choices. Checked together before the start, so that one start names every
 * such problem at once, as it does for the variables themselves; the start reads them again as it always has.
 */
export async function configuredFileProblems(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const outcomes = await Promise.allSettled([
    Promise.resolve().then(() => tracingSettings(env)),
    config.trustedDocumentsFile ? loadTrustedDocuments(config.trustedDocumentsFile) : undefined,
    config.tenants.file ? loadTenantsFile(config.tenants.file) : undefined,
    !config.sandbox && config.upstream ? loadCredentials(config.upstream.maskinporten) : undefined,
  ]);
  return outcomes.flatMap((outcome) => {
    if (outcome.status !== 'rejected') return [];
    if (outcome.reason instanceof TracingConfigError) return [...outcome.reason.problems];
    return KNOWN.some((known) => outcome.reason instanceof known) ? [(outcome.reason as Error).message] : [];
  });
}

/** The errors that mean a setting is wrong; anything else is left to the start, which reports it as before. */
const KNOWN = [TracingConfigError, TrustedDocumentsError, TenantsError, CredentialsError];
