import { PGlite } from '@electric-sql/pglite';
const mb = () => Math.round(process.memoryUsage().rss / 2**20);
const dir = process.argv[2];
const D = ["--single","-F","-O","-j","-c","search_path=public","-c","exit_on_error=false","-c","log_checkpoints=false","-c","max_worker_processes=0","-c","max_parallel_workers=0","-c","max_parallel_workers_per_gather=0","-c","io_method=sync","-c","max_parallel_maintenance_workers=0", '-c', 'shared_buffers=16MB'];
let db = new PGlite(dir, {startParams: D});
await db.waitReady;
console.log('created', mb());
await db.close(); db = null;
for (let i=0;i<5;i++){ globalThis.gc?.(); await new Promise(r=>setTimeout(r,200)); }
console.log('closed+gc', mb());
db = new PGlite(dir, {startParams: D});
await db.waitReady;
console.log('reopened', mb());
