/** What both emulators' HTTP servers share: starting and stopping, reading a body, answering JSON. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req)).toString('utf8')
}

/** The body as bytes: a multipart upload holds binary parts that UTF-8 decoding would corrupt. */
export function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** A JSON answer with its exact `content-length`, as both services send. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers
  })
  res.end(text)
}

/** Starts `server` on `host` (loopback by default) and gives its base URL. */
export async function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const hostname = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `http://${hostname}:${address.port}`
}

/** Stops `server`, cutting the connections still open (a keep-alive client's among them). */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>(resolve => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** An emulator's HTTP server: started on loopback with its request handler, its base URL, and close. */
export abstract class LoopbackServer {
  #server: Server | undefined
  #url = ''

  /** The base URL (`http://127.0.0.1:PORT`) once started. */
  get url(): string {
    return this.#url
  }

  /** Starts the server with `handle`; a request whose handling throws gets its socket destroyed. */
  protected async serve(
    handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
    port: number | undefined,
    host: string,
    tune: (server: Server) => void = () => {}
  ): Promise<void> {
    const server = createServer((req, res) => {
      handle(req, res).catch(() => res.destroy())
    })
    tune(server)
    this.#url = await listen(server, port, host)
    this.#server = server
  }

  async close(): Promise<void> {
    const server = this.#server
    if (server === undefined) return
    this.#server = undefined
    await closeServer(server)
  }
}
