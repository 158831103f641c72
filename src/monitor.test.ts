import { describe, expect, it } from 'vitest';
import { fixturePath } from '../test/fixture-path.js';
import { CompleteResourceMonitor, type TextOutput } from './monitor.js';

/** An output that keeps what it is given. */
class CollectedText implements TextOutput {
  readonly writes: string[] = [];
  write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
}

describe('ResourceMonitor output', () => {
  it('prints the summary and the table state to the output it was given', async () => {
    const output = new CollectedText();
    const warnings: string[] = [];
    // The spec's name works as a type too.
    const monitor: CompleteResourceMonitor = await CompleteResourceMonitor.open({
      db: 'memory://',
      tableName: 'monitor_output_test',
      capacity: 50,
      nodeName: 'fixture-node',
      host: { procRoot: fixturePath('procfs/proc'), sysRoot: fixturePath('procfs/sys') },
      output,
      onWarning: (message) => warnings.push(message),
    });
    try {
      await monitor.sampleNode({ intervalSeconds: 0.05 });
      const summary = monitor.printSampleSummary(await monitor.getRecentSamples({ limit: 5 }));
      expect(summary).toMatch(
        /^time\s+node\s+container\s+cpu %\s+mem available MiB\s+mem used MiB\s+disk read \/ write MiB\/s\s+net rx \/ tx MiB\/s\s+temp °C$/m,
      );
      // The fixture's host row: a static tree has no rates, and its CPU zone reads 49.925 °C
      // (three significant digits, as the dashboard shows it); a host row has no "mem used".
      expect(summary.split('\n')[1]).toMatch(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+fixture-node\s+–\s+–\s+–\s+–\s+0\.00 \/ 0\.00\s+0\.00 \/ 0\.00\s+49\.9$/,
      );
      expect(output.writes).toEqual([`${summary}\n`]);

      const state = await monitor.debugTableState();
      expect(state.rowsUsed).toBe(1);
      expect(output.writes).toHaveLength(2);
      expect(output.writes[1]).toMatch(/^field\s+value\n/);
      expect(output.writes[1]).toMatch(/\ntable\s+monitor_output_test\n/);
      expect(output.writes[1]).toMatch(/\ncapacity\s+50\n/);
      expect(output.writes[1]).toMatch(/\nfixture-node\s+–\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n$/);
    } finally {
      await monitor.close();
    }
    expect(warnings).toEqual([]);
  });
});
