/**
 * deploy/kubernetes: what the Deployment reads from Secrets and ConfigMaps exists in the base, and the files it is told
 * to load are where the Secret volumes put them. A missing Secret key fails only on a cluster (the pod stays in
 * ContainerCreating, or the env variable is empty), so it is checked here. Plain YAML: no kubectl needed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { forcedExitAfterMs } from '../../src/app.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BASE = join(ROOT, 'deploy/kubernetes/base');
const SINGLE = join(ROOT, 'deploy/kubernetes/overlays/single-replica');

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function docs(file: string): Doc[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as Doc);
}

function base(): Doc[] {
  const [kustomization] = docs(join(BASE, 'kustomization.yaml'));
  return (kustomization?.resources as string[]).flatMap((r) => docs(join(BASE, r)));
}

const resources = base();
const ofKind = (kind: string) => resources.filter((r) => r.kind === kind);
const deployment = ofKind('Deployment')[0] as Doc;
const container = deployment.spec.template.spec.containers[0] as Doc;
const secretKeys = (name: string): string[] | undefined => {
  const secret = ofKind('Secret').find((s) => s.metadata.name === name);
  return secret && [...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})];
};
const configMapData = (): Record<string, string> =>
  Object.assign(
    {},
    ...(container.envFrom as Doc[]).map(
      (e) => ofKind('ConfigMap').find((c) => c.metadata.name === e.configMapRef?.name)?.data ?? {},
    ),
  );

describe('deploy/kubernetes/base', () => {
  it('has every Secret key the Deployment reads by secretKeyRef', () => {
    const refs = (container.env as Doc[]).filter((e) => e.valueFrom?.secretKeyRef);
    expect(refs.map((e) => e.name).sort()).toEqual(['MASKINPORTEN_KEYSTORE_PASSWORD', 'REDIS_URL']);
    for (const { name, valueFrom } of refs) {
      const { name: secret, key } = valueFrom.secretKeyRef as { name: string; key: string };
      expect(secretKeys(secret), `${name}: Secret ${secret}`).toContain(key);
    }
  });

  it('mounts every Secret volume item from a key that exists, and the keystore where MASKINPORTEN_KEYSTORE_FILE says', () => {
    const mounted: string[] = [];
    for (const volume of deployment.spec.template.spec.volumes as Doc[]) {
      if (!volume.secret) continue;
      const keys = secretKeys(volume.secret.secretName as string);
      expect(keys, `Secret ${volume.secret.secretName}`).toBeDefined();
      const mount = (container.volumeMounts as Doc[]).find((m) => m.name === volume.name);
      expect(mount, `volume ${volume.name} is mounted`).toBeDefined();
      const items =
        (volume.secret.items as { key: string; path: string }[] | undefined) ?? keys!.map((k) => ({ key: k, path: k }));
      for (const { key, path } of items) {
        expect(keys, `volume ${volume.name}`).toContain(key);
        mounted.push(join(mount!.mountPath as string, path));
      }
    }
    const config = configMapData();
    expect(config.MASKINPORTEN_KEYSTORE_FILE).toBeDefined();
    expect(mounted).toContain(config.MASKINPORTEN_KEYSTORE_FILE);
    // Every *_FILE the facade is told to read is a mounted file (the root filesystem is read-only and holds no secrets).
    for (const [name, value] of Object.entries(config)) {
      if (name.endsWith('_FILE') && name !== 'AUDIT_LOG_FILE') expect(mounted, name).toContain(value);
    }
  });

  it('gives a stopping pod longer than the facade takes before it exits regardless', () => {
    const config = configMapData();
    const exitsBy = forcedExitAfterMs({
      shutdownDelayMs: Number(config.SHUTDOWN_DELAY_MS),
      shutdownGraceMs: Number(config.SHUTDOWN_GRACE_MS),
    });
    // The kubelet's SIGKILL must not race the facade's own last step.
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(exitsBy + 1_000);
  });

  it('reads its environment from a ConfigMap of the base', () => {
    for (const e of container.envFrom as Doc[]) {
      expect(ofKind('ConfigMap').map((c) => c.metadata.name)).toContain(e.configMapRef.name);
    }
  });
});

describe('deploy/kubernetes/overlays/single-replica', () => {
  it('drops every env variable that reads a Secret it deletes', () => {
    const [kustomization] = docs(join(SINGLE, 'kustomization.yaml'));
    const deleted = (kustomization?.patches as { patch?: string }[])
      .filter((p) => p.patch)
      .map((p) => parseAllDocuments(p.patch as string)[0]?.toJS() as Doc | undefined)
      .filter((d): d is Doc => d?.kind === 'Secret' && d.$patch === 'delete')
      .map((d) => d.metadata.name as string);
    expect(deleted).toEqual(['digdir-graphql-facade-redis']);
    const patch = docs(join(SINGLE, 'deployment.yaml'))[0] as Doc;
    const dropped = (patch.spec.template.spec.containers[0].env as Doc[])
      .filter((e) => e.$patch === 'delete')
      .map((e) => e.name as string);
    const readingDeleted = (container.env as Doc[])
      .filter((e) => deleted.includes(e.valueFrom?.secretKeyRef?.name as string))
      .map((e) => e.name as string);
    expect(dropped.sort()).toEqual(readingDeleted.sort());
  });
});
