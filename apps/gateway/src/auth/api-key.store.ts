import { DataSource, type Repository } from 'typeorm';
import { ApiKeyEntity } from '@mdp/data-access-warm-store';
import { API_KEY_TIERS, generateApiKey, hashApiKey, type ApiKeyRecord, type ApiKeyTier } from './api-key';

export interface CreatedApiKey {
  /** The key itself: shown once, never stored. */
  key: string;
  record: ApiKeyRecord;
}

export interface ApiKeyListing extends ApiKeyRecord {
  createdAt: Date;
  lastUsedAt: Date | null;
  usageCount: number;
}

/** `api_keys` (seed 003) through TypeORM: create, find by hash, list, revoke. */
export class ApiKeyStore {
  private readonly repository: Repository<ApiKeyEntity>;

  constructor(dataSource: DataSource) {
    this.repository = dataSource.getRepository(ApiKeyEntity);
  }

  async create(options: {
    name: string;
    tier: ApiKeyTier;
    perMinute?: number;
    perMonth?: number;
  }): Promise<CreatedApiKey> {
    const key = generateApiKey();
    const limits = API_KEY_TIERS[options.tier];
    const entity = await this.repository.save(
      this.repository.create({
        keyHash: hashApiKey(key),
        name: options.name,
        tier: options.tier,
        rateLimitPerMinute: options.perMinute ?? limits.perMinute,
        rateLimitPerMonth: options.perMonth ?? limits.perMonth,
        isActive: true,
      }),
    );
    return { key, record: toRecord(entity) };
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const entity = await this.repository.findOne({ where: { keyHash } });
    return entity ? toRecord(entity) : null;
  }

  async list(): Promise<ApiKeyListing[]> {
    const entities = await this.repository.find({ order: { id: 'ASC' } });
    return entities.map((entity) => ({
      ...toRecord(entity),
      createdAt: entity.createdAt,
      lastUsedAt: entity.lastUsedAt,
      usageCount: entity.usageCount,
    }));
  }

  /** Marks a key inactive (by id, or by the key itself); returns its hash, or null when unknown. */
  async revoke(idOrKey: number | string): Promise<string | null> {
    const where = typeof idOrKey === 'number' ? { id: idOrKey } : { keyHash: hashApiKey(idOrKey) };
    const entity = await this.repository.findOne({ where });
    if (!entity) return null;
    await this.repository.update({ id: entity.id }, { isActive: false });
    return entity.keyHash;
  }
}

function toRecord(entity: ApiKeyEntity): ApiKeyRecord {
  return {
    id: entity.id,
    keyHash: entity.keyHash,
    name: entity.name,
    tier: entity.tier,
    perMinute: entity.rateLimitPerMinute,
    perMonth: entity.rateLimitPerMonth,
    active: entity.isActive,
  };
}
