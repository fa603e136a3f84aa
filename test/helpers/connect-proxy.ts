/**
 * A small forward proxy on 127.0.0.1 for the proxy tests, playing a company's HTTP proxy: CONNECT tunnels for
 * https and absolute-form requests for plain http. It knows host names nobody else does (`idp.test` → a port
 * on 127.0.0.1): a name is never looked up in DNS, so a request for it succeeds only through this proxy.
 * Every CONNECT target and every proxied request is recorded, with the Proxy-Authorization it carried.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface ProxyRecord {
  kind: 'connect' | 'http';
  /** `host:port` of a CONNECT, the absolute URL of an http request. */
  target: string;
  proxyAuthorization: string | undefined;
}

export interface ConnectProxy {
  url: string;
  port: number;
  records: ProxyRecord[];
  close(): Promise<void>;
}

/** `hosts`: `name:port` → `127.0.0.1:port`. Targets not in it are refused (502), never resolved. */
export async function startConnectProxy(hosts: Record<string, string>): Promise<ConnectProxy> {
  const records: ProxyRecord[] = [];
  const sockets = new Set<Socket>();
  const mapped = (target: string): { host: string; port: number } | undefined => {
    const to = hosts[target.toLowerCase()];
    if (to === undefined) return undefined;
    const at = to.lastIndexOf(':');
    return { host: to.slice(0, at), port: Number(to.slice(at + 1)) };
  };

  const server = createServer((req: IncomingMessage, res) => {
    // Absolute-form request of a client that sends plain http through the proxy.
    const target = req.url ?? '';
    records.push({ kind: 'http', target, proxyAuthorization: req.headers['proxy-authorization'] });
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const to = mapped(`${url.hostname}:${url.port || '80'}`);
    if (!to) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('unknown host');
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = httpRequest({ host: to.host, port: to.port, method: req.method, path: `${url.pathname}${url.search}`, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    records.push({ kind: 'connect', target, proxyAuthorization: req.headers['proxy-authorization'] });
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const to = mapped(target);
    if (!to) {
      client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(to.port, to.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy did not bind a TCP port');
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    records,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
