import type { Settings } from '../config/settings.js';
import type { EmbeddedHandle } from '../store/embedded/data-dir.js';
import { RingStore } from '../store/ring/ring.js';

export interface OpenedRing {
  store: RingStore;
  /** The embedded store's handle, when the ring is embedded. */
  embedded: EmbeddedHandle | null;
  close(): Promise<void>;
}

/**
 * Opens the ring the settings name. `apply` makes the settings' capacity the ring's (a master, or
 * `resize`); otherwise an existing ring keeps its own. An embedded store is shared with other
 * processes over its socket while this one owns it (`serve: false` keeps it to itself).
 */
export async function openRing(
  settings: Settings,
  options: {
    serve?: boolean;
    applyCapacity?: boolean;
    /** Create the ring when it is missing: only the agent does; other commands say it is not there. */
    create?: boolean;
    /** Only read: create, mend and maintain nothing (recent, status, serve). */
    readOnly?: boolean;
    onWarning?: (message: string) => void;
  } = {},
): Promise<OpenedRing> {
  const embedded =
    settings.db.kind === 'embedded'
      ? await (await import('../store/embedded/data-dir.js')).openEmbedded(settings.db.dataDir, {
          serve: options.serve,
        })
      : null;
  try {
    const store = await RingStore.open({
      db: embedded ? embedded.db : settings.db.kind === 'server' ? settings.db.url : '',
      tableName: settings.tableName,
      capacity: settings.capacity,
      nodeShare: settings.nodeShare,
      capacityMode: options.applyCapacity ? 'apply' : 'adopt',
      create: options.create ?? false,
      readOnly: options.readOnly ?? false,
      // What the store mended by itself: the agent logs it; a command says it on stderr.
      onWarning: options.onWarning ?? ((message) => process.stderr.write(`ringmon: warning: ${message}\n`)),
    });
    return {
      store,
      embedded,
      close: async () => {
        await store.close();
        await embedded?.close();
      },
    };
  } catch (error) {
    await embedded?.close();
    throw error;
  }
}
