import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import {
  createPostgresDatabase,
  freePort,
  startFerretDb,
  startTemporalDevServer,
  type Started,
} from '../../scripts/lib/infra';
import { registerSearchAttributes } from '../../src/temporal/register-search-attributes';

/**
 * Real infrastructure for the whole jest run: an in-memory Temporal dev server on a random port and
 * FerretDB on a fresh PostgreSQL database (or the MongoDB / Temporal given by MONGODB_URI /
 * TEMPORAL_ADDRESS). Test files read TEST_* variables; globalTeardown stops and drops everything.
 */
export interface TestInfra {
  temporal?: Started;
  ferret?: Started;
  pgDatabase?: string;
  mongoBaseUri: string;
  tmpDir: string;
}

export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'dw-test-'));
  const infra: TestInfra = { mongoBaseUri: '', tmpDir };
  (globalThis as { __DW_INFRA__?: TestInfra }).__DW_INFRA__ = infra;

  const bundlePath = path.join(tmpDir, 'workflow-bundle.js');
  const bundling = buildWorkflowBundle(bundlePath);

  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const port = await freePort();
    infra.temporal = await startTemporalDevServer({ port, stdio: 'inherit', logLevel: 'error' });
    temporalAddress = `127.0.0.1:${port}`;
  } else {
    const conn = await Connection.connect({ address: temporalAddress });
    await registerSearchAttributes(conn, 'default');
    await conn.close();
  }

  if (process.env.MONGODB_URI) {
    infra.mongoBaseUri = process.env.MONGODB_URI;
  } else {
    infra.pgDatabase = `dw_test_${runId}`;
    createPostgresDatabase(infra.pgDatabase);
    const port = await freePort();
    infra.ferret = await startFerretDb({
      port,
      database: infra.pgDatabase,
      stdio: 'inherit',
      logLevel: 'error',
    });
    infra.mongoBaseUri = `mongodb://127.0.0.1:${port}/`;
  }

  await bundling;
  process.env.TEST_TEMPORAL_ADDRESS = temporalAddress;
  process.env.TEST_MONGODB_URI = infra.mongoBaseUri;
  process.env.TEST_RUN_ID = runId;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
}
