import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** Writes the prebuilt workflow bundle the worker loads (dist/workflow-bundle.js by default). */
export async function buildWorkflowBundle(outFile: string): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  writeFileSync(outFile, code);
}

if (require.main === module) {
  const out = process.argv[2] ?? path.resolve(__dirname, '..', 'workflow-bundle.js');
  buildWorkflowBundle(out).then(
    () => process.stdout.write(`workflow bundle written to ${out}\n`),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
