import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { connectMongo } from '../../src/db/connection';
import { testEnv } from './env';

/** A database of its own for one test file on the run's real MongoDB-protocol server; dropped at the end. */
export async function openTestDatabase(): Promise<{ conn: Connection; uri: string; drop(): Promise<void> }> {
  const base = new URL(testEnv('TEST_MONGODB_URI'));
  base.pathname = `/t_${randomBytes(5).toString('hex')}`;
  const uri = base.toString();
  const conn = await connectMongo(uri, { maxPoolSize: 5 });
  return {
    conn,
    uri,
    async drop() {
      await conn.dropDatabase();
      await conn.close();
    },
  };
}
