import { describe, expectTypeOf, it } from 'vitest';
import type { NodesResponse, SamplesResponse } from '../server/api.js';
import type { NodesAnswer, SamplesAnswer } from './answers.js';

describe("the page's view of the API", () => {
  // Checked by `npm run typecheck` (tsconfig.test.json): a server answer that no longer has what
  // the page reads fails to compile here.
  it('is a part of what the server answers', () => {
    expectTypeOf<NodesResponse>().toExtend<NodesAnswer>();
    expectTypeOf<SamplesResponse>().toExtend<SamplesAnswer>();
  });
});
