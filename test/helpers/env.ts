/** Values the jest global setup hands to every test file. */
export function testEnv(
  name: 'TEST_TEMPORAL_ADDRESS' | 'TEST_MONGODB_URI' | 'TEST_WORKFLOW_BUNDLE' | 'TEST_RUN_ID',
): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: tests must run through jest's global setup (npm test)`);
  return v;
}
