// The per-test rig of the Matrix provider's integration tests (providerRig.ts on the fake
// homeserver): the users, the provider's settings over the fake, and `provider(options)`.
import { createMatrixProvider, type MatrixSettings } from '../../src/adapters/messaging/matrix.js';
import { startFakeMatrix, type FakeMatrix } from '../fakes/matrix.js';
import { providerMaker, providerRig } from './providerRig.js';

export const ANA = '@ana:fake.test';
export const BOB = '@bob:fake.test';

/** Registers the hooks of the calling test file; the fake's token must never be logged. */
export function matrixRig() {
  const rig = providerRig<FakeMatrix>(startFakeMatrix, (fake) => [fake.token]);
  const settings = (overrides: Partial<MatrixSettings> = {}): MatrixSettings => ({
    homeserverUrl: rig.fake.url,
    tokenEnv: 'TEST_MATRIX_TOKEN',
    roomId: rig.fake.roomId,
    userId: '',
    minInterval: 0,
    silentAfter: 90_000,
    ...overrides,
  });
  const provider = providerMaker(rig, createMatrixProvider, settings, (token) => ({
    TEST_MATRIX_TOKEN: token ?? rig.fake.token,
  }));
  return { rig, settings, provider };
}
