/**
 * Test helper process for ownership-store.test.ts: opens the shared store, waits for
 * 'go', then tries to take every listed volume from epoch 1 and reports what it won.
 */
import { Store } from '../../store/store.js';

const [dir, name] = process.argv.slice(2) as [string, string];
const store = Store.open(dir, { busyTimeoutMs: 5000 });
process.on('message', (msg: { ids: string[]; reverse: boolean; at: number }) => {
  const ids = msg.reverse ? [...msg.ids].reverse() : msg.ids;
  setTimeout(() => {
    const won: string[] = [];
    for (const id of ids) if (store.ownership.compareAndSetOwner(id, name, 1, Date.now()).ok) won.push(id);
    store.close();
    process.send!({ won }, () => process.exit(0));
  }, Math.max(0, msg.at - Date.now()));
});
process.send!({ ready: true });
