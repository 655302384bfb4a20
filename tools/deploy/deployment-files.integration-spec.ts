/**
 * The deployment files under docker/ (issue 9): every Compose file validated against the
 * compose-spec JSON schema (as the dclint package ships it), every Kubernetes overlay rendered by kustomize and
 * each object validated against its schema (kubernetes-models, @kubernetes-models/keda), KEDA's
 * Redis Streams trigger metadata against a schema written from KEDA's documentation, and the
 * properties the deployment promises: probes, limits, a disruption budget and a scaling rule per
 * app, start order, settings each app really reads, and no secret value committed.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { describeConfig } from '@mdp/platform';
import { StreamConsumerConfig } from '@mdp/transport';
import {
  CandleStream,
  FlowSnapshotStream,
  LiquidationSignalStream,
  LiquidationStream,
  TradeStream,
} from '@mdp/schemas';
import { appConfigClasses } from '../env/env-example';
import { MigrateConfig } from '../migrate/migrate.config';
import { CmcStandInConfig } from '../cmc-stand-in/cmc-stand-in.config';
import {
  APPS,
  DATABASE_APPS,
  DOCKER_DIR,
  K8S_DIR,
  ROOT,
  committedFiles,
  readEnvFile,
  readYaml,
  renderKustomization,
  validateK8sSchemas,
  type App,
  type K8sObject,
} from './deployment-files';

// ---------------------------------------------------------------------------------------------
// Settings each image reads: its config class (plus the transport's), so a misspelt variable in a
// Compose file or ConfigMap fails here instead of being silently ignored by the service.

const EXTRA_VARIABLES = new Set(['NODE_OPTIONS', 'NODE_ENV']);
const streamVariables = describeConfig(StreamConsumerConfig).map((variable) => variable.name);

function variablesOf(image: string): Set<string> | undefined {
  if (image === 'migrate') return new Set(describeConfig(MigrateConfig).map((variable) => variable.name));
  if (image === 'cmc-stand-in')
    return new Set(describeConfig(CmcStandInConfig).map((variable) => variable.name));
  const found = appConfigClasses().find(({ app }) => app === image);
  if (!found) return undefined; // an app still being written (its config class not there yet)
  return new Set([...describeConfig(found.cls).map((variable) => variable.name), ...streamVariables]);
}

function unknownVariables(image: string, names: Iterable<string>, extra: string[] = []): string[] {
  const known = variablesOf(image);
  if (!known) return [];
  return [...names].filter((name) => !known.has(name) && !EXTRA_VARIABLES.has(name) && !extra.includes(name));
}

// ---------------------------------------------------------------------------------------------
// Compose

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string | string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  ports?: string[];
  networks?: string[];
  volumes?: string[];
  restart?: string;
  profiles?: string[];
  stop_grace_period?: string;
  user?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { internal?: boolean }>;
}

const COMPOSE_FILES = ['compose.yaml', 'compose.live.yaml', 'compose.small.yaml'];
const compose = readYaml(path.join(DOCKER_DIR, 'compose.yaml')) as ComposeFile;
const composeLive = readYaml(path.join(DOCKER_DIR, 'compose.live.yaml')) as ComposeFile;
const composeSmall = readYaml(path.join(DOCKER_DIR, 'compose.small.yaml')) as ComposeFile;

describe('Compose files', () => {
  // The compose-spec JSON schema as dclint (the Compose linter) ships it, kept current with Compose.
  const schemaFile = path.join(
    path.dirname(require.resolve('dclint/package.json')),
    'schemas/compose.schema.json',
  );
  // Declared as draft-07 by its https:// address, which Ajv knows by the http:// one: compile it as
  // draft-07 without the declaration.
  const { $schema, ...schema } = JSON.parse(readFileSync(schemaFile, 'utf8')) as Record<string, unknown>;
  expect($schema).toBe('https://json-schema.org/draft-07/schema');
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  const validateCompose = ajv.compile(schema);

  it.each(COMPOSE_FILES)('%s is valid against the compose-spec schema', (file) => {
    const valid = validateCompose(readYaml(path.join(DOCKER_DIR, file)));
    expect(validateCompose.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('brings up Redis, TimescaleDB, the migration step, the stand-in and every app', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['redis', 'timescaledb', 'migrate', 'cmc-stand-in', ...APPS].sort(),
    );
    expect(compose.services['timescaledb']!.image).toMatch(/^timescale\/timescaledb:\d+\.\d+\.\d+-pg15$/);
    expect(compose.services['redis']!.image).toMatch(/^redis:7\.\d+\.\d+/);
  });

  it.each([...APPS, 'migrate', 'cmc-stand-in'])('%s is built from docker/Dockerfile with APP=%s', (name) => {
    const service = compose.services[name]!;
    expect(service.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile', args: { APP: name } });
    expect(service.image).toBe(`\${MDP_IMAGE_PREFIX:-mdp}/${name}:\${MDP_TAG:-dev}`);
  });

  it.each(APPS)('%s starts after its dependencies are healthy and reports ready itself', (app) => {
    const service = compose.services[app]!;
    expect(JSON.stringify(service.healthcheck?.test)).toContain('http://127.0.0.1:3000/health/ready');
    expect(service.environment?.['HTTP_PORT']).toBe('3000');
    expect(service.stop_grace_period).toBe('30s');
    expect(service.depends_on?.['redis']).toEqual({ condition: 'service_healthy' });
    if (DATABASE_APPS.includes(app)) {
      expect(service.depends_on?.['migrate']).toEqual({ condition: 'service_completed_successfully' });
      expect(service.environment?.['DATABASE_URL']).toMatch(/@timescaledb:5432\/mdp$/);
    }
    for (const dependency of Object.keys(service.depends_on ?? {})) {
      expect(compose.services[dependency]).toBeDefined();
    }
  });

  it('runs the migrations once, after the database is healthy', () => {
    const migrate = compose.services['migrate']!;
    expect(migrate.restart).toBe('no');
    expect(migrate.command).toEqual(['migrate']);
    expect(migrate.depends_on).toEqual({ timescaledb: { condition: 'service_healthy' } });
  });

  it('configures Redis from docker/redis/redis.conf with a password from the env file', () => {
    const redis = compose.services['redis']!;
    expect(redis.volumes).toContain('./redis/redis.conf:/usr/local/etc/redis/redis.conf:ro');
    const command = ([] as string[]).concat(redis.command ?? []).join(' ');
    // Through the image's entrypoint, which drops root for the redis user.
    expect(command).toContain('exec docker-entrypoint.sh redis-server /usr/local/etc/redis/redis.conf');
    expect(command).toContain('--requirepass "$${REDIS_PASSWORD}"');
    expect(redis.environment?.['REDIS_PASSWORD']).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    const conf = readFileSync(path.join(DOCKER_DIR, 'redis/redis.conf'), 'utf8');
    expect(conf).toMatch(/^maxmemory-policy volatile-/m);
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^appendfsync everysec$/m);
  });

  it('keeps Redis and the database on the internal network; only the gateway publishes, on loopback', () => {
    expect(compose.networks?.['backend']?.internal).toBe(true);
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'gateway') {
        expect(service.ports).toEqual(['127.0.0.1:${GATEWAY_PORT:-3000}:3000']);
      } else {
        expect([name, service.ports]).toEqual([name, undefined]);
        expect([name, service.networks]).toEqual([name, ['backend']]);
      }
    }
  });

  it('runs offline by default: the seeded generator and the stand-in CoinMarketCap API', () => {
    expect(compose.services['ingestion']!.environment?.['INGESTION_SOURCE']).toBe(
      '${INGESTION_SOURCE:-generator}',
    );
    expect(compose.services['velocity-poller']!.environment?.['CMC_BASE_URL']).toBe(
      '${CMC_BASE_URL:-http://cmc-stand-in:4100}',
    );
    expect(compose.services['velocity-poller']!.depends_on?.['cmc-stand-in']).toEqual({
      condition: 'service_healthy',
      required: false,
    });
  });

  it('compose.live.yaml switches to the live venues and the real API, leaving the stand-in out', () => {
    expect(Object.keys(composeLive.services).sort()).toEqual([
      'cmc-stand-in',
      'ingestion',
      'velocity-poller',
    ]);
    expect(composeLive.services['ingestion']!.environment?.['INGESTION_SOURCE']).toBe('live');
    expect(composeLive.services['ingestion']!.networks).toEqual(['backend', 'edge']);
    expect(composeLive.services['velocity-poller']!.environment?.['CMC_BASE_URL']).toBe(
      'https://pro-api.coinmarketcap.com',
    );
    expect(composeLive.services['velocity-poller']!.environment?.['CMC_API_KEY']).toMatch(
      /^\$\{CMC_API_KEY:\?/,
    );
    expect(composeLive.services['cmc-stand-in']!.profiles).toEqual(['stand-in']);
  });

  it("compose.small.yaml runs Redis with seed 001's profile and the detector measures against it", () => {
    const redis = composeSmall.services['redis']!;
    expect(redis.volumes).toEqual(['./redis/redis-liquidation.conf:/usr/local/etc/redis/redis.conf:ro']);
    const conf = readFileSync(path.join(DOCKER_DIR, 'redis/redis-liquidation.conf'), 'utf8');
    const maxmemory = /^maxmemory (\S+)$/m.exec(conf)![1];
    expect(conf).toMatch(/^maxmemory-policy volatile-ttl$/m);
    expect(redis.environment?.['REDIS_MAXMEMORY']).toBe(maxmemory);
    expect(composeSmall.services['liquidation-detector']!.environment?.['REDIS_MAX_MEMORY']).toBe(maxmemory);
  });

  it.each([...APPS, 'migrate', 'cmc-stand-in'])('every variable given to %s is one it reads', (name) => {
    const names = [compose, composeLive, composeSmall].flatMap((file) =>
      Object.keys(file.services[name]?.environment ?? {}),
    );
    expect(unknownVariables(name, names)).toEqual([]);
  });

  it('the env file example lists every variable the Compose files require', () => {
    const text = COMPOSE_FILES.map((file) => readFileSync(path.join(DOCKER_DIR, file), 'utf8')).join('\n');
    const required = new Set([...text.matchAll(/\$\{([A-Z_]+):\?/g)].map((match) => match[1]!));
    const example = readEnvFile(path.join(DOCKER_DIR, 'compose.env.example'));
    expect([...required].filter((name) => !example.has(name))).toEqual([]);
    expect([...required].sort()).toEqual(['CMC_API_KEY', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD']);
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes

/** KEDA's `redis-streams` trigger metadata (keda.sh/docs/scalers/redis-streams), every value a string. */
const REDIS_STREAMS_METADATA_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['stream'],
  properties: Object.fromEntries(
    [
      'address',
      'host',
      'port',
      'addressFromEnv',
      'hostFromEnv',
      'portFromEnv',
      'usernameFromEnv',
      'passwordFromEnv',
      'stream',
      'consumerGroup',
      'pendingEntriesCount',
      'streamLength',
      'lagCount',
      'activationLagCount',
      'enableTLS',
      'unsafeSsl',
      'databaseIndex',
    ].map((name) => [name, { type: 'string', minLength: 1 }]),
  ),
  allOf: [
    // Where Redis is: an address, a host (with a port), or either one from the target's environment.
    {
      anyOf: [
        { required: ['address'] },
        { required: ['host'] },
        { required: ['addressFromEnv'] },
        { required: ['hostFromEnv'] },
      ],
    },
    // Lag scaling needs the group whose lag it reads (XINFO GROUPS).
    { if: { required: ['lagCount'] }, then: { required: ['consumerGroup', 'activationLagCount'] } },
    { if: { required: ['pendingEntriesCount'] }, then: { required: ['consumerGroup'] } },
  ],
};
const validateRedisStreamsMetadata = new Ajv({ allErrors: true }).compile(REDIS_STREAMS_METADATA_SCHEMA);

/** What each warm-writer replica consumes: the streams of its @OnStream handlers, in one group. */
const WARM_WRITER_STREAMS = [
  CandleStream,
  LiquidationStream,
  LiquidationSignalStream,
  FlowSnapshotStream,
].map((definition) => definition.stream);

interface Container {
  name: string;
  image: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string; optional?: boolean };
      fieldRef?: { fieldPath: string };
    };
  }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  args?: string[];
  command?: string[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
}
type Workload = K8sObject & {
  spec: { replicas?: number; selector: { matchLabels: Record<string, string> }; template: { spec: PodSpec } };
};

const OVERLAYS = ['dev', 'prod'] as const;
/**
 * Stateful per symbol, partitioned: a StatefulSet whose pod ordinal is the replica number; the pods
 * share a fixed number of partitions and hand them over with checkpoints, so the count is left to
 * the autoscaler and no setting changes with it.
 */
const PARTITIONED = [
  {
    app: 'liquidation-detector',
    replica: 'DETECTOR_REPLICA',
    partitions: 'DETECTOR_PARTITIONS',
    prefix: 'DETECTOR_',
  },
  { app: 'flow-aggregator', replica: 'FLOW_REPLICA', partitions: 'FLOW_PARTITIONS', prefix: 'FLOW_' },
] as const;
/**
 * Stream consumers scaled on their group's lag: KEDA's ScaledObject in prod, the CPU
 * HorizontalPodAutoscaler fallback in dev. The group KEDA watches and the streams it reads.
 */
const LAG_SCALED = {
  'warm-writer': { kind: 'Deployment', group: 'warm-writer', streams: WARM_WRITER_STREAMS },
  'liquidation-detector': {
    kind: 'StatefulSet',
    group: 'liquidation-detector',
    streams: [TradeStream.stream, LiquidationStream.stream],
  },
  'flow-aggregator': {
    kind: 'StatefulSet',
    group: 'flow-aggregator',
    streams: [TradeStream.stream, LiquidationStream.stream],
  },
} as const;
const rendered = new Map<string, K8sObject[]>();
function render(dir: string): K8sObject[] {
  let objects = rendered.get(dir);
  if (!objects) {
    objects = renderKustomization(path.join(K8S_DIR, dir));
    rendered.set(dir, objects);
  }
  return objects;
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((object) => object.kind === kind && object.metadata.name === name);
}

function workloadOf(objects: K8sObject[], app: App): Workload {
  const workload = objects.find(
    (object) =>
      (object.kind === 'Deployment' || object.kind === 'StatefulSet') && object.metadata.name === app,
  );
  if (!workload) throw new Error(`no Deployment or StatefulSet ${app}`);
  return workload as Workload;
}

/** A generated ConfigMap is named `<name>-<hash>`. */
function configMap(objects: K8sObject[], name: string): K8sObject {
  const found = objects.filter(
    (object) =>
      object.kind === 'ConfigMap' && new RegExp(`^${name}-[a-z0-9]{10}$`).test(object.metadata.name),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return !!selector && Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe('Kubernetes manifests', () => {
  it.each(['base', 'scalers/keda', 'scalers/hpa', ...OVERLAYS.map((overlay) => `overlays/${overlay}`)])(
    '%s renders with kustomize and every object is valid against its schema',
    (dir) => {
      const objects = render(dir);
      expect(objects.length).toBeGreaterThan(0);
      const results = validateK8sSchemas(objects);
      expect(results.filter((result) => result.errors.length > 0)).toEqual([]);
      expect(results).toHaveLength(objects.length);
    },
  );

  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    const objects = (): K8sObject[] => render(`overlays/${overlay}`);

    it('puts every object in the namespace and commits no Secret', () => {
      for (const object of objects())
        expect([object.kind, object.metadata.namespace]).toEqual([
          object.kind,
          `mdp${overlay === 'dev' ? '-dev' : ''}`,
        ]);
      expect(objects().filter((object) => object.kind === 'Secret')).toEqual([]);
    });

    it.each(APPS)('%s: probes on the health endpoints, requests and limits, graceful stop', (app) => {
      const workload = workloadOf(objects(), app);
      const pod = workload.spec.template.spec;
      expect(pod.terminationGracePeriodSeconds).toBe(30);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      const container = pod.containers.find((candidate) => candidate.name === app)!;
      expect(container.ports).toEqual([{ name: 'http', containerPort: 3000 }]);
      expect(container.livenessProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/health/ready', port: 'http' });
      expect(container.startupProbe?.httpGet).toEqual({ path: '/health/live', port: 'http' });
      for (const each of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect([each.name, Object.keys(each.resources?.requests ?? {}).sort()]).toEqual([
          each.name,
          ['cpu', 'memory'],
        ]);
        expect([each.name, Object.keys(each.resources?.limits ?? {}).sort()]).toEqual([
          each.name,
          ['cpu', 'memory'],
        ]);
      }
      const service = find(objects(), 'Service', app) as
        (K8sObject & { spec: { selector: Record<string, string> } }) | undefined;
      expect(service).toBeDefined();
      expect(selects(service!.spec.selector, workload.spec.selector.matchLabels)).toBe(true);
    });

    it.each(APPS)('%s: a PodDisruptionBudget selecting its pods', (app) => {
      const workload = workloadOf(objects(), app);
      const budgets = objects().filter(
        (object) =>
          object.kind === 'PodDisruptionBudget' &&
          selects(
            (object.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels,
            workload.spec.selector.matchLabels,
          ),
      );
      expect(budgets).toHaveLength(1);
      const spec = budgets[0]!.spec as { minAvailable?: number; maxUnavailable?: number };
      // Never a budget that blocks every voluntary eviction (a node drain): below the fewest replicas
      // the workload runs (its autoscaler's minimum where it has one).
      const scaler = objects().find(
        (object) =>
          (object.kind === 'HorizontalPodAutoscaler' || object.kind === 'ScaledObject') &&
          (object.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === app,
      )?.spec as { minReplicas?: number; minReplicaCount?: number } | undefined;
      const fewest = scaler?.minReplicas ?? scaler?.minReplicaCount ?? workload.spec.replicas ?? 1;
      if (spec.minAvailable !== undefined) expect(spec.minAvailable).toBeLessThan(fewest);
      else expect(spec.maxUnavailable).toBeGreaterThanOrEqual(1);
    });

    it.each(APPS)('%s: a scaling rule (autoscaler, or a fixed size with the reason)', (app) => {
      const workload = workloadOf(objects(), app);
      const scalers = objects().filter(
        (object) =>
          (object.kind === 'HorizontalPodAutoscaler' || object.kind === 'ScaledObject') &&
          (object.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === app,
      );
      const rule = workload.metadata.annotations?.['mdp.dev/scaling'] ?? '';
      // An autoscaled workload leaves the count to its autoscaler (a re-apply would reset it).
      if (scalers.length > 0) expect(workload.spec.replicas).toBeUndefined();
      if (app === 'gateway') {
        expect(scalers.map((scaler) => scaler.kind)).toEqual(['HorizontalPodAutoscaler']);
        const spec = scalers[0]!.spec as {
          minReplicas: number;
          metrics: Array<{ resource: { name: string } }>;
        };
        expect(spec.metrics.map((metric) => metric.resource.name)).toEqual(['cpu']);
        expect(spec.minReplicas).toBeGreaterThanOrEqual(2);
      } else if (app in LAG_SCALED) {
        // Lag-based with KEDA in prod; the CPU HorizontalPodAutoscaler fallback in dev (no KEDA needed).
        expect(scalers.map((scaler) => scaler.kind)).toEqual([
          overlay === 'prod' ? 'ScaledObject' : 'HorizontalPodAutoscaler',
        ]);
        if (PARTITIONED.some((partitioned) => partitioned.app === app)) expect(rule).toMatch(/^autoscaled: /);
      } else {
        // Single by nature (one source, one poller): no autoscaler, and the annotation says why
        // (README, Deployment / Scaling).
        expect(scalers).toEqual([]);
        expect(rule).toMatch(/^fixed: /);
      }
      expect(rule.length).toBeGreaterThan(20);
    });

    it.each(Object.entries(LAG_SCALED))(
      'the KEDA scaler of %s reads the lag of its group on each stream it consumes',
      (app, { kind, group, streams }) => {
        const scaledObject = find(objects(), 'ScaledObject', app);
        if (overlay !== 'prod') {
          expect(scaledObject).toBeUndefined();
          return;
        }
        const spec = scaledObject!.spec as {
          scaleTargetRef: { kind: string; name: string };
          minReplicaCount: number;
          maxReplicaCount: number;
          triggers: Array<{
            type: string;
            metadata: Record<string, string>;
            authenticationRef?: { name: string };
          }>;
        };
        expect(spec.scaleTargetRef).toMatchObject({ kind, name: app });
        expect(workloadOf(objects(), app as App).kind).toBe(kind);
        expect(spec.minReplicaCount).toBeGreaterThanOrEqual(1);
        expect(spec.maxReplicaCount).toBeGreaterThan(spec.minReplicaCount);
        for (const trigger of spec.triggers) {
          expect(trigger.type).toBe('redis-streams');
          expect([
            trigger.metadata,
            validateRedisStreamsMetadata(trigger.metadata),
            validateRedisStreamsMetadata.errors,
          ]).toEqual([trigger.metadata, true, null]);
          expect(trigger.metadata['consumerGroup']).toBe(group);
          expect(trigger.metadata['lagCount']).toMatch(/^\d+$/);
          expect(find(objects(), 'TriggerAuthentication', trigger.authenticationRef!.name)).toBeDefined();
        }
        expect(spec.triggers.map((trigger) => trigger.metadata['stream']).sort()).toEqual(
          [...streams].sort(),
        );
        // The address the scaler reads from the target's environment is in its ConfigMap.
        expect(configMap(objects(), 'mdp-config').data?.['REDIS_ADDRESS']).toMatch(/^[a-z0-9.-]+:\d+$/);
      },
    );

    it.each(PARTITIONED)(
      '$app: a StatefulSet whose pod ordinal is $replica, $partitions fixed, no shard count to keep in step',
      ({ app, replica, partitions, prefix }) => {
        const workload = workloadOf(objects(), app);
        expect(workload.kind).toBe('StatefulSet');
        expect(workload.spec.replicas).toBeUndefined(); // the autoscaler's
        const variable = workload.spec.template.spec.containers[0]!.env?.find(
          (entry) => entry.name === replica,
        );
        expect(variable?.valueFrom?.fieldRef?.fieldPath).toBe(
          "metadata.labels['apps.kubernetes.io/pod-index']",
        );
        const config = configMap(objects(), `${app}-config`).data ?? {};
        expect(config[partitions]).toBe('16');
        expect(Object.keys(config).filter((name) => name.startsWith(`${prefix}SHARD`))).toEqual([]);
        // Graceful stop checkpoints and releases the partitions (bounded at 15 s) within the grace period.
        expect(
          (workload.spec.template.spec as { terminationGracePeriodSeconds?: number })
            .terminationGracePeriodSeconds,
        ).toBeGreaterThanOrEqual(20);
        const service = find(objects(), 'Service', app) as K8sObject & { spec: { clusterIP?: string } };
        expect([(workload.spec as { serviceName?: string }).serviceName, service.spec.clusterIP]).toEqual([
          app,
          'None',
        ]);
      },
    );

    it('the migrations run as a Job, and the apps that use the database wait for them', () => {
      const job = find(objects(), 'Job', 'mdp-migrate') as
        (K8sObject & { spec: { template: { spec: PodSpec } } }) | undefined;
      expect(job?.spec.template.spec.containers[0]!.args).toEqual(['migrate']);
      for (const app of APPS) {
        const init = workloadOf(objects(), app).spec.template.spec.initContainers ?? [];
        if (DATABASE_APPS.includes(app)) {
          expect(init.map((container) => container.name)).toEqual(['wait-for-migrations']);
          expect(init[0]!.command?.join(' ')).toContain('node dist/main.js check');
          expect(init[0]!.image).toBe(job!.spec.template.spec.containers[0]!.image);
        } else {
          expect(init).toEqual([]);
        }
      }
    });

    it('every container reads existing ConfigMaps, keys of the documented Secret, and variables it knows', () => {
      const secretKeys = readEnvFile(path.join(K8S_DIR, 'secrets.env.example'));
      const pods: Array<{ image: string; container: Container }> = [];
      for (const object of objects()) {
        const pod = (object.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
        for (const container of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
          const image = /(?:^|\/)mdp\/([a-z-]+)(?::|$)/.exec(container.image)?.[1];
          if (image) pods.push({ image, container });
        }
      }
      expect(new Set(pods.map((pod) => pod.image))).toEqual(
        new Set([...APPS, 'migrate', ...(overlay === 'dev' ? ['cmc-stand-in'] : [])]),
      );
      for (const { image, container } of pods) {
        const names: string[] = [];
        for (const source of container.envFrom ?? []) {
          expect(source.secretRef).toBeUndefined();
          const map = objects().find(
            (object) => object.kind === 'ConfigMap' && object.metadata.name === source.configMapRef?.name,
          );
          expect([container.name, source.configMapRef?.name, map !== undefined]).toEqual([
            container.name,
            source.configMapRef?.name,
            true,
          ]);
          names.push(...Object.keys(map!.data ?? {}));
        }
        for (const entry of container.env ?? []) {
          names.push(entry.name);
          const secret = entry.valueFrom?.secretKeyRef;
          if (secret) {
            expect(secret.name).toBe('mdp-secrets');
            expect([entry.name, secretKeys.has(secret.key)]).toEqual([entry.name, true]);
          }
        }
        // REDIS_ADDRESS is read by the KEDA scaler from the pod's environment, not by the app; the
        // migration command shares the apps' common ConfigMap and ignores what it does not read.
        const shared = image === 'migrate' ? Object.keys(configMap(objects(), 'mdp-config').data ?? {}) : [];
        expect([container.name, unknownVariables(image, names, ['REDIS_ADDRESS', ...shared])]).toEqual([
          container.name,
          [],
        ]);
      }
    });

    it('images: ours tagged by the overlay, third-party ones pinned', () => {
      for (const object of objects()) {
        const pod = (object.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
        for (const container of [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])]) {
          expect(container.image).toMatch(
            overlay === 'prod'
              ? /^registry\.example\.com\/mdp\/[a-z-]+:\d+\.\d+\.\d+$/
              : /^(mdp\/[a-z-]+:dev|[a-z/]+:\d+\.\d+\.\d+[a-z0-9-]*)$/,
          );
        }
      }
    });
  });

  it('the dev overlay runs Redis with the hot store settings of docker/redis/redis.conf', () => {
    const redis = workloadOf(render('overlays/dev'), 'redis' as App);
    const args = redis.spec.template.spec.containers[0]!.args!;
    const conf = readFileSync(path.join(DOCKER_DIR, 'redis/redis.conf'), 'utf8');
    for (const setting of ['maxmemory-policy', 'appendonly', 'appendfsync']) {
      const expected = new RegExp(`^${setting} (.+)$`, 'm').exec(conf)![1];
      expect([setting, args[args.indexOf(`--${setting}`) + 1]]).toEqual([setting, expected]);
    }
    expect(args[args.indexOf('--requirepass') + 1]).toBe('$(REDIS_PASSWORD)');
  });
});

// ---------------------------------------------------------------------------------------------
// Images and secrets

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(DOCKER_DIR, 'Dockerfile'), 'utf8');

  it('builds with the command CI runs, for every app and tool image', () => {
    expect(dockerfile).toContain('npx nx run "$project:build"');
    expect(dockerfile).toContain(
      'case "$APP" in migrate|cmc-stand-in) project=tools ;; *) project="$APP" ;; esac',
    );
    const withBuild = execFileSync('npx', ['nx', 'show', 'projects', '--with-target', 'build', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    // web is the page's static bundle, built into the gateway's image.
    expect((JSON.parse(withBuild) as string[]).sort()).toEqual([...APPS, 'tools', 'web'].sort());
    expect(dockerfile).toContain('if [ "$APP" = gateway ]; then npx nx run web:build');
    const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toContain('npx nx run-many -t build');
  });

  it('is small and unprivileged: production dependencies only, non-root, health check, node as PID 1', () => {
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n.*\/health\/live/m);
    expect(dockerfile).toContain('COPY --from=build /src/dist/apps/${APP}/ ./dist/');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "--enable-source-maps", "dist\/main\.js"\]$/m);
    // The runtime stage copies no sources, dev dependencies or build tools.
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).not.toMatch(/COPY \. |--from=deps|npm ci(?! --omit=dev)/);
    expect(existsSync(path.join(DOCKER_DIR, 'Dockerfile.dockerignore'))).toBe(true);
  });
});

describe('no secret value is committed', () => {
  /** Files with settings: the deployment files, env examples and Redis configuration. */
  const files = committedFiles('docker').concat(committedFiles('.env.example'));

  /** A value that is a reference, not a secret: empty, interpolated, or the stand-in's public key. */
  const isReference = (value: string): boolean =>
    /^["']?(\$\{[^}]*\}|\$\([A-Z_]+\)|\$\$\{[A-Z_]+\}|"\$\$\{[A-Z_]+\}"|stand-in-key|<[^>]+>)?["']?$/.test(
      value.trim(),
    );

  it('finds the deployment files', () => {
    expect(files).toEqual(
      expect.arrayContaining(['docker/compose.yaml', 'docker/k8s/base/kustomization.yaml']),
    );
  });

  it('no password, secret, token or key has a literal value, and no URL carries a password', () => {
    const findings: string[] = [];
    for (const file of files) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      text.split('\n').forEach((line, index) => {
        const where = `${file}:${index + 1}: ${line.trim()}`;
        if (/^\s*#/.test(line)) return;
        // KEY=value or KEY: value where the name ends in a secret's word (REDIS_PASSWORD, CMC_API_KEY,
        // INGESTION_ALPACA_SECRET_KEY, REDISCLI_AUTH, ...); booleans are flags, not secrets.
        const assignment = /([A-Za-z_]+)\s*[:=]\s*(.*)$/.exec(line);
        if (
          assignment &&
          /(PASSWORD|SECRET|SECRET_KEY|TOKEN|API_KEY|KEY_ID|PRIVATE_KEY|AUTH|CREDENTIALS)$/i.test(
            assignment[1]!,
          )
        ) {
          const value = assignment[2]!.replace(/\s+#.*$/, '').trim();
          if (!isReference(value) && !/^(\{.*|true|false|)$/.test(value)) findings.push(where);
        }
        const requirepass = /requirepass\s+(\S+)/.exec(line);
        if (requirepass && !isReference(requirepass[1]!.replace(/;$/, ''))) findings.push(where);
        const url = /[a-z+]+:\/\/[^\s:/@]*:([^\s@/]+)@/i.exec(line);
        if (url && !isReference(url[1]!)) findings.push(where);
        if (/BEGIN [A-Z ]*PRIVATE KEY/.test(line)) findings.push(where);
      });
    }
    expect(findings).toEqual([]);
  });

  it('the real env files are ignored by git', () => {
    const ignored = execFileSync('git', ['check-ignore', 'docker/.env', 'docker/k8s/secrets.env'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(ignored.split('\n').filter(Boolean)).toEqual(['docker/.env', 'docker/k8s/secrets.env']);
  });
});
