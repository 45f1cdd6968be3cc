/**
 * Statements per write command. FerretDB 1.24 keeps one PostgreSQL connection per update
 * statement of a command until the command ends (measured: a command of 20 updates held 21
 * connections, 45 held 46, and one of 60 wedged FerretDB for good at its pool of 50). So bulk
 * writes go in small commands, one after another, and few at a time per process.
 */
const STATEMENTS_PER_COMMAND = 8;
/** Bulk write commands in flight at once in this process (each may hold STATEMENTS_PER_COMMAND + 1). */
const COMMANDS_AT_ONCE = 2;

let running = 0;
const waiting: (() => void)[] = [];
async function slot(): Promise<() => void> {
  if (running >= COMMANDS_AT_ONCE) await new Promise<void>((r) => waiting.push(r));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/** `Model.bulkWrite` in commands of a few statements (see above); the modified count of them all. */
export async function bulkWriteInSmallCommands<Op>(
  model: { bulkWrite(ops: Op[], opts: { ordered: boolean }): Promise<{ modifiedCount: number }> },
  ops: Op[],
): Promise<number> {
  let modified = 0;
  for (let i = 0; i < ops.length; i += STATEMENTS_PER_COMMAND) {
    const release = await slot();
    try {
      const res = await model.bulkWrite(ops.slice(i, i + STATEMENTS_PER_COMMAND), { ordered: false });
      modified += res.modifiedCount;
    } finally {
      release();
    }
  }
  return modified;
}
