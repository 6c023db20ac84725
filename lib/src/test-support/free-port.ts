//! A TCP port on 127.0.0.1 that nothing listens on, for a test's server or daemon.
import { createServer } from 'node:net';

/** Binds port 0 on 127.0.0.1, reads the port the kernel chose and closes the server again. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}
