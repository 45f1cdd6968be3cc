import { rmSync } from 'node:fs';
import { dropPostgresDatabase } from '../../scripts/lib/infra';
import type { TestInfra } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const infra = (globalThis as { __DW_INFRA__?: TestInfra }).__DW_INFRA__;
  if (!infra) return;
  await Promise.all([infra.temporal?.stop(), infra.ferret?.stop()]);
  if (infra.pgDatabase) dropPostgresDatabase(infra.pgDatabase);
  rmSync(infra.tmpDir, { recursive: true, force: true });
}
