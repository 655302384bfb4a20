/**
 * Reading the deployment files under docker/ for the checks in deployment-files.integration-spec.ts:
 * Compose files as YAML (merge keys resolved, as Compose does), Kubernetes overlays rendered by
 * kustomize (Debian's kubectl, unpacked by tools/ci/ensure-kustomize.sh), and the Kubernetes
 * objects validated against their schemas by kubernetes-models (validate-k8s.mjs).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(__dirname, '../..');
export const DOCKER_DIR = path.join(ROOT, 'docker');
export const K8S_DIR = path.join(DOCKER_DIR, 'k8s');

/** The deployable apps: one image, one Compose service and one Kubernetes workload each. */
export const APPS = [
  'ingestion',
  'liquidation-detector',
  'flow-aggregator',
  'velocity-poller',
  'warm-writer',
  'gateway',
] as const;
export type App = (typeof APPS)[number];

/** Apps that use the warm store (they wait for the migrations). */
export const DATABASE_APPS: readonly App[] = ['velocity-poller', 'warm-writer', 'gateway'];

/** A Kubernetes object as rendered (only the fields the checks read are typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [key: string]: unknown;
}

export function readYaml(file: string): unknown {
  return parse(readFileSync(file, 'utf8'), { merge: true });
}

export function readYamlDocuments(text: string): K8sObject[] {
  return parseAllDocuments(text, { merge: true })
    .map((document) => {
      if (document.errors.length > 0)
        throw new Error(document.errors.map((error) => error.message).join('; '));
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

/** kubectl with kustomize built in: $KUSTOMIZE_KUBECTL, else Debian's, unpacked on first use. */
export function kustomizeKubectl(): string {
  const fromEnv = process.env['KUSTOMIZE_KUBECTL'];
  if (fromEnv) return fromEnv;
  const unpacked = path.join(ROOT, 'tmp/kubernetes-client/usr/bin/kubectl');
  if (existsSync(unpacked)) return unpacked;
  return execFileSync('bash', [path.join(ROOT, 'tools/ci/ensure-kustomize.sh')], { encoding: 'utf8' }).trim();
}

/** `kubectl kustomize <dir>`: the objects an overlay (or the base) applies. */
export function renderKustomization(dir: string): K8sObject[] {
  const output = execFileSync(kustomizeKubectl(), ['kustomize', dir], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return readYamlDocuments(output);
}

export interface SchemaResult {
  kind: string;
  name: string;
  errors: string[];
}

/** Validates each object against its schema (kubernetes-models, ES modules, hence a child process). */
export function validateK8sSchemas(objects: K8sObject[]): SchemaResult[] {
  const output = execFileSync(process.execPath, [path.join(__dirname, 'validate-k8s.mjs')], {
    cwd: ROOT,
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output) as SchemaResult[];
}

/** KEY=value lines of an env file (comments and blank lines skipped). */
export function readEnvFile(file: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) entries.set(match[1]!, match[2]!);
  }
  return entries;
}

/** `git ls-files` under a path: what is committed (or staged), not local secrets files. */
export function committedFiles(under: string): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', under], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}
