import { envSchema } from '../src/config/env';
import { connectMongo } from '../src/db/connection';
import { createApiKeyRepository } from '../src/db/repositories/api-key.repository';
import { tenantId as tenantIdSchema } from '../src/schemas/common.schema';

/**
 * API keys for tenants:
 *   npm run apikey -- create <tenant> [label]   prints the key once (only its hash is stored)
 *   npm run apikey -- revoke <keyId>
 *   npm run apikey -- list [tenant]
 * Uses MONGODB_URI (default: the local stack's database).
 */
const USAGE = 'usage: npm run apikey -- create <tenant> [label] | revoke <keyId> | list [tenant]';

async function main(argv: string[]): Promise<number> {
  const [command, arg, label] = argv;
  const config = envSchema.pick({ MONGODB_URI: true, MONGODB_MAX_POOL_SIZE: true }).parse(process.env);
  if (command === 'create') {
    const tenant = tenantIdSchema.safeParse(arg);
    if (!tenant.success) {
      process.stderr.write(`tenant ${tenant.error.issues[0]?.message ?? 'is invalid'}\n${USAGE}\n`);
      return 2;
    }
  } else if (command !== 'revoke' && command !== 'list') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const conn = await connectMongo(config.MONGODB_URI, { maxPoolSize: 2 });
  try {
    const keys = createApiKeyRepository(conn);
    if (command === 'create') {
      const { keyId, token } = await keys.create(arg as string, label);
      process.stdout.write(
        `tenant: ${arg}\nkey id: ${keyId}\napi key (shown once, store it now): ${token}\n`,
      );
    } else if (command === 'revoke') {
      if (!arg) throw new Error(USAGE);
      const ok = await keys.revoke(arg);
      process.stdout.write(ok ? `revoked ${arg}\n` : `no active key ${arg}\n`);
      return ok ? 0 : 1;
    } else {
      for (const k of await keys.list(arg)) {
        process.stdout.write(
          `${k.keyId}\t${k.tenantId}\t${k.createdAt.toISOString()}\t${k.revokedAt ? 'revoked' : 'active'}\t${k.label ?? ''}\n`,
        );
      }
    }
    return 0;
  } finally {
    await conn.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
