/** Jest globalTeardown: stops containers the setup started, if any. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__MDP_TEST_SERVICES__?.stop();
}
