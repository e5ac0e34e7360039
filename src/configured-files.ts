import type { Config } from './config.js';
import { hostProblem } from './http/listen.js';
import { loadTrustedDocuments, TrustedDocumentsError } from './http/trusted-documents.js';
import { CredentialsError, loadCredentials } from './maskinporten/credentials.js';
import { tracingSettings, TracingConfigError } from './observability/tracing.js';
import { loadTenantsFile, TenantsError } from './tenants/tenants.js';

/**
 * What the variables name that is checked only when used: the Maskinporten key or keystore, `TENANTS_FILE`,
 * `TRUSTED_DOCUMENTS_FILE`, the `OTEL_*` choices and whether `HOST` can be listened on. Checked together before the
 * start, also beside invalid variables (`variableProblems`: the configuration then holds their defaults), so that one
 * start names every such problem at once; the start reads them again as it always has. The Maskinporten credentials
 * are left out while a `MASKINPORTEN_*` variable is itself invalid or missing: their error would repeat it.
 */
export async function configuredFileProblems(
  config: Config,
  env: NodeJS.ProcessEnv = process.env,
  variableProblems: readonly string[] = [],
): Promise<string[]> {
  const credentialsNamed = variableProblems.some((problem) => problem.includes('MASKINPORTEN_'));
  const outcomes = await Promise.allSettled([
    Promise.resolve().then(() => tracingSettings(env)),
    config.trustedDocumentsFile ? loadTrustedDocuments(config.trustedDocumentsFile) : undefined,
    config.tenants.file ? loadTenantsFile(config.tenants.file) : undefined,
    !config.sandbox && config.upstream && !credentialsNamed ? loadCredentials(config.upstream.maskinporten) : undefined,
    variableProblems.some((problem) => problem.startsWith('HOST')) ? undefined : hostProblem(config.host),
  ]);
  return outcomes.flatMap((outcome) => {
    if (outcome.status !== 'rejected') return typeof outcome.value === 'string' ? [outcome.value] : [];
    if (outcome.reason instanceof TracingConfigError) return [...outcome.reason.problems];
    return KNOWN.some((known) => outcome.reason instanceof known) ? [(outcome.reason as Error).message] : [];
  });
}

/** The errors that mean a setting is wrong; anything else is left to the start, which reports it as before. */
const KNOWN = [TracingConfigError, TrustedDocumentsError, TenantsError, CredentialsError];
