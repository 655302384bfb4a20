// Validates Kubernetes objects against their OpenAPI schemas with kubernetes-models (and
// @kubernetes-models/keda for KEDA's CRDs). Both packages are ES modules only, so the Jest spec
// (CommonJS) runs this as a child process: JSON array of objects on stdin, JSON array of
// { kind, name, errors } on stdout, one per object (errors empty when valid).
import { readFileSync } from 'node:fs';

const MODULES = {
  'keda.sh/v1alpha1': () => import('@kubernetes-models/keda/keda.sh/v1alpha1'),
};

async function modelClass(apiVersion, kind) {
  const load = MODULES[apiVersion] ?? (() => import(`kubernetes-models/${apiVersion}`));
  const module = await load();
  return module[kind];
}

const objects = JSON.parse(readFileSync(0, 'utf8'));
const results = [];
for (const object of objects) {
  const name = object?.metadata?.name ?? '?';
  const kind = object?.kind ?? '?';
  let errors = [];
  try {
    const Model = await modelClass(object.apiVersion, kind);
    if (typeof Model !== 'function') {
      errors = [`no schema for ${object.apiVersion} ${kind}`];
    } else {
      new Model(object).validate();
    }
  } catch (error) {
    errors = [error instanceof Error ? error.message : String(error)];
  }
  results.push({ kind, name, errors });
}
process.stdout.write(JSON.stringify(results));
