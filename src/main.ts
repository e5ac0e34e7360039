import { forcedExitAfterMs, startApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { configuredFileProblems } from './configured-files.js';
import { ListenError } from './http/listen.js';
import { TrustedDocumentsError } from './http/trusted-documents.js';
import { CredentialsError } from './maskinporten/credentials.js';
import { AuditLogError } from './observability/audit.js';
import { createLogger } from './observability/logger.js';
import { startTracing, stopTracing, TracingConfigError } from './observability/tracing.js';
import { RedisConfigError } from './state/redis-config-error.js';
import { sandboxBanner } from './sandbox-banner.js';
import { TenantsError } from './tenants/tenants.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      const more = err.config ? await configuredFileProblems(err.config, process.env, err.problems) : [];
      console.error(new ConfigError([...err.problems, ...more]).message);
      process.exit(2);
    }
    throw err;
  }
  const fileProblems = await configuredFileProblems(config);
  if (fileProblems.length > 0) {
    console.error(new ConfigError(fileProblems).message);
    process.exit(2);
  }
  try {
    // OTEL_* variables: off (nothing loaded) unless an OTLP endpoint or OTEL_TRACES_EXPORTER is set.
    await startTracing({ log: createLogger({ level: config.logLevel }) });
  } catch (err) {
    if (err instanceof TracingConfigError) {
      console.error(`Invalid configuration: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  let app;
  try {
    app = await startApp(config);
  } catch (err) {
    if (
      err instanceof CredentialsError ||
      err instanceof TrustedDocumentsError ||
      err instanceof RedisConfigError ||
      err instanceof AuditLogError ||
      err instanceof TenantsError ||
      err instanceof ListenError
    ) {
      console.error(`Invalid configuration: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }

  // Loopback listeners are reachable as localhost, the address the README gives.
  const publicUrl = app.url.replace('//127.0.0.1:', '//localhost:');
  if (app.sandbox) {
    const token = await app.sandbox.callerIssuer.issueToken();
    console.log(sandboxBanner({ publicUrl, config, token, trustedDocuments: app.trustedDocuments }));
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), forcedExitAfterMs(config));
    force.unref();
    app
      .close()
      .then(() => stopTracing()) // the spans still queued are exported
      .then(() => process.exit(0))
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
