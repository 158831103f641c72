/**
 * The embedded database served to other processes over the PostgreSQL protocol.
 *
 * PGlite is one PostgreSQL backend: one session, whatever number of clients connect. Every client
 * (the owner's own store and each socket connection) therefore takes turns on that one session,
 * and three things keep them from seeing each other's state:
 *
 * - **Whole exchanges, never single messages.** A client's messages are gathered up to a Sync (or
 *   a simple Query) and run as one unit, so another client's Parse can never land between this
 *   client's Parse and Bind and replace the unnamed statement it is about to bind.
 * - **Transactions keep the session.** While a client is inside a transaction block (BEGIN …, or an
 *   extended exchange cut by a Flush), nobody else runs: the others wait, as they would wait for a
 *   lock on a real server. The owner's own transactions hold the session the same way. A client
 *   that sits idle inside a transaction longer than `idleInTransactionMs` is disconnected and rolled
 *   back, as PostgreSQL's idle_in_transaction_session_timeout would.
 * - **Named statements and portals are per client.** Their names are prefixed with the connection's
 *   number on the way in, and the statements a client leaves behind are closed when it goes, so two
 *   clients preparing the same name do not collide (`prepared statement … already exists`).
 *
 * What stays shared, because it lives in the one session: SET, SQL-level PREPARE, LISTEN and
 * temporary tables. ringmon uses none of them; a psql user who types SET changes it for everyone.
 * COPY … FROM STDIN is not supported.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/**
 * Hands the one session to one user at a time, first come first served; a holder that is inside a
 * transaction keeps it across several turns.
 */
export class SessionGate {
  #holder: object | null = null;
  readonly #waiting: { who: object; go: () => void }[] = [];

  /** Resolves once `who` holds the session (at once when it already does). */
  acquire(who: object): Promise<void> {
    if (this.#holder === who) return Promise.resolve();
    if (this.#holder === null && this.#waiting.length === 0) {
      this.#holder = who;
      return Promise.resolve();
    }
    return new Promise((go) => this.#waiting.push({ who, go }));
  }

  /** Gives the session to the next in line. A no-op for anyone but the holder. */
  release(who: object): void {
    if (this.#holder !== who) return;
    const next = this.#waiting.shift();
    this.#holder = next?.who ?? null;
    next?.go();
  }

  /** Drops `who` from the queue (a client that disconnected while waiting). */
  forget(who: object): void {
    const i = this.#waiting.findIndex((w) => w.who === who);
    if (i >= 0) this.#waiting.splice(i, 1);
    this.release(who);
  }

  /** Runs `fn` holding the session, and lets go after it whatever happens. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const who = {};
    await this.acquire(who);
    try {
      return await fn();
    } finally {
      this.release(who);
    }
  }
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** A client that sends more than this without a Sync is not speaking the protocol as we know it. */
const MAX_PENDING_BYTES = 256 * 2 ** 20;

export interface EmbeddedServerOptions {
  db: PGlite;
  gate: SessionGate;
  /** A Unix socket path, or a TCP port on 127.0.0.1 (0: any free one). */
  listen: { path: string } | { port: number };
  /** Connections beyond this are refused with `too many clients` (SQLSTATE 53300). */
  maxConnections?: number;
  /** How long a client may hold the session idle inside a transaction before it is cut off, ms. */
  idleInTransactionMs?: number;
}

export class EmbeddedServer {
  readonly #options: Required<EmbeddedServerOptions>;
  readonly #clients = new Set<ClientConnection>();
  /** Every socket, refused ones included: close() waits for all of them. */
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  #greeting: Buffer = Buffer.alloc(0);
  #nextId = 1;

  constructor(options: EmbeddedServerOptions) {
    this.#options = { maxConnections: 100, idleInTransactionMs: 60_000, ...options };
  }

  /** Starts listening; resolves with the TCP port (or 0 on a Unix socket). */
  async start(): Promise<number> {
    this.#greeting = await this.#options.gate.run(() => greeting(this.#options.db));
    const server = createServer((socket) => this.#accept(socket));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const { listen } = this.#options;
      const ready = () => {
        server.off('error', reject);
        resolve();
      };
      if ('path' in listen) server.listen(listen.path, ready);
      else server.listen(listen.port, '127.0.0.1', ready);
    });
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Number of connected clients. */
  get connections(): number {
    return this.#clients.size;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    // A client cut off mid-transaction is rolled back before the database closes.
    await Promise.all([...this.#clients].map((c) => c.closed));
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    if (this.#clients.size >= this.#options.maxConnections) {
      socket.end(
        errorResponse(
          '53300',
          `sorry, too many clients already (the embedded store serves ${this.#options.maxConnections})`,
        ),
      );
      socket.setTimeout(1000, () => socket.destroy());
      return;
    }
    const client = new ClientConnection(this.#nextId++, socket, this.#options, this.#greeting);
    this.#clients.add(client);
    void client.closed.then(() => this.#clients.delete(client));
  }
}

/** One socket's exchange with the shared session. */
class ClientConnection {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  readonly #db: PGlite;
  readonly #gate: SessionGate;
  readonly #idleInTransactionMs: number;
  readonly #greeting: Buffer;
  /** Prefix of this client's statement and portal names inside the shared session. */
  readonly #prefix: string;
  /** Named statements this client prepared, by their name in the session. */
  readonly #statements = new Set<string>();
  #input: Buffer = Buffer.alloc(0);
  #started = false;
  /** Messages up to the next Sync or Query. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Exchanges ready to run, in order, with the type of the message that ends each. */
  readonly #ready: { bytes: Buffer; last: number }[] = [];
  #running = false;
  #holding = false;
  #idleTimer: NodeJS.Timeout | null = null;
  #gone = false;
  #resolveClosed!: () => void;

  constructor(id: number, socket: Socket, options: Required<EmbeddedServerOptions>, greeting: Buffer) {
    this.socket = socket;
    this.#greeting = greeting;
    this.#db = options.db;
    this.#gate = options.gate;
    this.#idleInTransactionMs = options.idleInTransactionMs;
    this.#prefix = `c${id}.`;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => void this.#cleanUp());
  }

  #receive(chunk: Buffer): void {
    this.#input = this.#input.length === 0 ? chunk : Buffer.concat([this.#input, chunk]);
    try {
      for (;;) {
        const message = this.#nextMessage();
        if (message === null) break;
        this.#take(message);
      }
    } catch (error) {
      this.socket.end(errorResponse('08P01', (error as Error).message));
      return;
    }
    this.#pump();
  }

  /** Cuts one whole message off the input, or returns null until one has arrived. */
  #nextMessage(): Buffer | null {
    const input = this.#input;
    const headerless = !this.#started;
    const need = headerless ? 4 : 5;
    if (input.length < need) return null;
    const length = headerless ? input.readInt32BE(0) : 1 + input.readInt32BE(1);
    if (length < need - 1 || length > MAX_PENDING_BYTES) throw new Error(`invalid message length ${length}`);
    if (input.length < length) return null;
    this.#input = input.subarray(length);
    return input.subarray(0, length);
  }

  #take(message: Buffer): void {
    if (!this.#started) {
      const code = message.length >= 8 ? message.readInt32BE(4) : 0;
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        this.socket.write('N'); // no encryption on a local socket; the client goes on in the clear
        return;
      }
      if (code === CANCEL_REQUEST) {
        this.socket.end(); // one backend runs one statement at a time: nothing to cancel
        return;
      }
      // Answered without the session, which another client may be holding inside a transaction.
      // The client's startup parameters are not applied: they would change the session for all.
      this.#started = true;
      this.socket.write(this.#greeting);
      return;
    }
    const type = message[0];
    if (type === 0x58 /* X: Terminate */) {
      this.socket.end();
      return;
    }
    this.#pending.push(this.#rename(message));
    this.#pendingBytes += message.length;
    if (this.#pendingBytes > MAX_PENDING_BYTES) throw new Error('too much input without a Sync');
    // Sync, Query, FunctionCall and Flush are where the client waits for an answer.
    if (type === 0x53 || type === 0x51 || type === 0x46 || type === 0x48) {
      this.#ready.push({ bytes: Buffer.concat(this.#pending), last: type });
      this.#pending = [];
      this.#pendingBytes = 0;
    }
  }

  /** Prefixes the statement and portal names a message carries with this client's prefix. */
  #rename(message: Buffer): Buffer {
    const type = message[0];
    if (type === 0x50 /* P: Parse */) {
      const [name, end] = cString(message, 5);
      if (name === '') return message;
      const own = this.#own(name);
      this.#statements.add(own);
      return rebuild(type, [own], message.subarray(end));
    }
    if (type === 0x42 /* B: Bind */) {
      const [portal, afterPortal] = cString(message, 5);
      const [statement, end] = cString(message, afterPortal);
      if (portal === '' && statement === '') return message;
      return rebuild(type, [this.#own(portal), this.#own(statement)], message.subarray(end));
    }
    if (type === 0x44 /* D: Describe */ || type === 0x43 /* C: Close */) {
      const kind = message[5];
      const [name, end] = cString(message, 6);
      if (name === '') return message;
      const own = this.#own(name);
      if (type === 0x43 && kind === 0x53) this.#statements.delete(own);
      return rebuild(
        type,
        [],
        Buffer.concat([Buffer.of(kind ?? 0), cStringBytes(own)]),
        message.subarray(end),
      );
    }
    if (type === 0x45 /* E: Execute */) {
      const [portal, end] = cString(message, 5);
      if (portal === '') return message;
      return rebuild(type, [this.#own(portal)], message.subarray(end));
    }
    return message;
  }

  #own(name: string): string {
    return name === '' ? '' : `${this.#prefix}${name}`;
  }

  /** Runs the ready exchanges one after another, each holding the session. */
  #pump(): void {
    if (this.#running || this.#gone || this.#ready.length === 0) return;
    this.#running = true;
    void (async () => {
      try {
        while (this.#ready.length > 0 && !this.#gone) {
          const { bytes: exchange, last } = this.#ready.shift()!;
          this.#stopIdleTimer();
          await this.#gate.acquire(this);
          this.#holding = true;
          if (this.#gone) break;
          await this.#db.runExclusive(() =>
            this.#db.execProtocolRawStream(new Uint8Array(exchange), {
              onRawData: (data) => {
                if (!this.socket.destroyed) this.socket.write(data);
              },
            }),
          );
          const midExchange = last === 0x48; // a Flush: the client will go on with this exchange
          if (midExchange || this.#db.isInTransaction()) {
            this.#startIdleTimer();
          } else {
            this.#holding = false;
            this.#gate.release(this);
          }
        }
      } catch {
        this.socket.destroy();
      } finally {
        this.#running = false;
      }
      this.#pump();
    })();
  }

  #startIdleTimer(): void {
    this.#stopIdleTimer();
    this.#idleTimer = setTimeout(() => {
      this.socket.end(
        errorResponse(
          '25P03',
          `terminating connection: idle in a transaction for ${this.#idleInTransactionMs / 1000} s while it holds the embedded database, which every other client is waiting for`,
        ),
      );
      this.socket.destroy();
    }, this.#idleInTransactionMs);
    this.#idleTimer.unref();
  }

  #stopIdleTimer(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
  }

  /** The client is gone: roll back what it left open, close its statements, free the session. */
  async #cleanUp(): Promise<void> {
    if (this.#gone) return;
    this.#gone = true;
    this.#stopIdleTimer();
    this.#ready.length = 0;
    try {
      while (this.#running) await new Promise((r) => setImmediate(r));
      const cleanup: Buffer[] = [];
      if (this.#holding && this.#db.isInTransaction()) cleanup.push(queryMessage('ROLLBACK'));
      for (const name of this.#statements) cleanup.push(closeStatementMessage(name));
      if (cleanup.length > 0) {
        cleanup.push(Buffer.from([0x53, 0, 0, 0, 4])); // Sync
        await this.#gate.acquire(this);
        this.#holding = true;
        if (!this.#db.closed) {
          await this.#db.runExclusive(() =>
            this.#db.execProtocolRawStream(new Uint8Array(Buffer.concat(cleanup)), { onRawData: () => {} }),
          );
        }
      }
    } catch {
      // The database is closing: nothing is left to clean.
    } finally {
      this.#holding = false;
      this.#gate.forget(this);
      this.#resolveClosed();
    }
  }
}

/**
 * What PGlite answers a startup message with (AuthenticationOk, the session's parameters, the key
 * data, ReadyForQuery), asked once and given to every client that connects.
 */
async function greeting(db: PGlite): Promise<Buffer> {
  const params = cStringBytes('user\0postgres\0database\0postgres\0');
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8 + params.length, 0);
  startup.writeInt32BE(196608, 4); // protocol 3.0
  const chunks: Buffer[] = [];
  await db.runExclusive(() =>
    db.execProtocolRawStream(new Uint8Array(Buffer.concat([startup, params])), {
      onRawData: (data) => chunks.push(Buffer.from(data)),
    }),
  );
  const answer = Buffer.concat(chunks);
  // The last message is ReadyForQuery; a new client starts outside any transaction.
  if (answer.length >= 6 && answer[answer.length - 6] === 0x5a) answer[answer.length - 1] = 0x49;
  return answer;
}

function cString(buf: Buffer, at: number): [string, number] {
  const end = buf.indexOf(0, at);
  if (end < 0) throw new Error('malformed message: unterminated string');
  return [buf.toString('utf8', at, end), end + 1];
}

function cStringBytes(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.of(0)]);
}

/** A message of `type` whose body is the given C strings followed by `rest`. */
function rebuild(type: number, strings: string[], ...rest: Buffer[]): Buffer {
  const body = Buffer.concat([...strings.map(cStringBytes), ...rest]);
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

function queryMessage(sql: string): Buffer {
  return rebuild(0x51, [sql]);
}

function closeStatementMessage(name: string): Buffer {
  return rebuild(0x43, [], Buffer.of(0x53), cStringBytes(name));
}

/** An ErrorResponse, for refusing a client before PGlite sees it. */
function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.concat([
    Buffer.from('SFATAL\0'),
    Buffer.from('VFATAL\0'),
    Buffer.from(`C${code}\0`),
    Buffer.from(`M${message}\0`, 'utf8'),
    Buffer.of(0),
  ]);
  const header = Buffer.alloc(5);
  header[0] = 0x45;
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}
