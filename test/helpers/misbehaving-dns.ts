/**
 * A deliberately misbehaving DNS server on 127.0.0.1 (UDP and TCP on one free port), for the
 * resilience tests of the DNS adapter: per name it never answers, answers SERVFAIL or REFUSED,
 * truncates its UDP answer (TC=1) so that only TCP gives the records, or serves a TXT answer too
 * large for UDP. Written for this project with node:dgram and node:net: it encodes and decodes
 * only the few packet fields it needs (RFC 1035 §4.1; EDNS0 payload size, RFC 6891 §6.1.2).
 */
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server as TcpServer, Socket as TcpSocket } from 'node:net';

export type Behaviour =
  /** Never answers, over UDP or TCP: the client times out. */
  | { readonly kind: 'silent' }
  /** An empty answer with this response code. */
  | { readonly kind: 'rcode'; readonly rcode: 'servfail' | 'refused' | 'nxdomain' | 'noerror' }
  /**
   * TXT records (each its character-strings) and optional A records. Over UDP the answer is
   * truncated (TC=1, no records) when `truncateUdp` is set or when it exceeds the client's UDP
   * payload size (512, or its EDNS0 size); TCP always gets everything.
   */
  | { readonly kind: 'records'; readonly txt?: readonly (readonly string[])[]; readonly a?: readonly string[]; readonly truncateUdp?: boolean };

export interface ReceivedQuery {
  readonly transport: 'udp' | 'tcp';
  readonly name: string;
  readonly type: number;
  /** The EDNS0 UDP payload size the client advertised, or undefined without EDNS0. */
  readonly ednsSize: number | undefined;
}

export interface MisbehavingDns {
  /** `127.0.0.1:PORT`, for `createNodeResolver({ servers: [...] })`. */
  readonly server: string;
  readonly port: number;
  /** Every query received, in order. */
  readonly queries: ReceivedQuery[];
  stop(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_TXT = 16;
const RCODES = { noerror: 0, servfail: 2, nxdomain: 3, refused: 5 } as const;

/**
 * Starts the server. `names` maps lower-case names (no trailing dot) to their behaviour; a key
 * `*.example.test` also covers every name below example.test (an exact key wins); any other name
 * gets `fallback` (default: NXDOMAIN).
 */
export async function startMisbehavingDns(names: Readonly<Record<string, Behaviour>>, fallback: Behaviour = { kind: 'rcode', rcode: 'nxdomain' }): Promise<MisbehavingDns> {
  const queries: ReceivedQuery[] = [];
  const behaviourOf = (name: string): Behaviour => {
    const exact = names[name];
    if (exact) return exact;
    const labels = name.split('.');
    for (let i = 1; i < labels.length; i++) {
      const below = names[`*.${labels.slice(i).join('.')}`];
      if (below) return below;
    }
    return fallback;
  };
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve());
    });
    const port = udp.address().port;
    const tcp = createServer();
    const listening = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!listening) {
      udp.close();
      if (attempt < 10) continue;
      throw new Error('misbehaving DNS: no port free for both UDP and TCP');
    }
    serveUdp(udp, behaviourOf, queries);
    const sockets = serveTcp(tcp, behaviourOf, queries);
    return {
      server: `127.0.0.1:${port}`,
      port,
      queries,
      stop: () => stopServers(udp, tcp, sockets),
    };
  }
}

function serveUdp(udp: UdpSocket, behaviourOf: (name: string) => Behaviour, queries: ReceivedQuery[]): void {
  udp.on('message', (message, remote) => {
    const query = decodeQuery(message);
    if (!query) return;
    queries.push({ transport: 'udp', name: query.name, type: query.type, ednsSize: query.ednsSize });
    const response = respond(query, behaviourOf(query.name), query.ednsSize ?? 512);
    if (response) udp.send(response, remote.port, remote.address);
  });
}

function serveTcp(tcp: TcpServer, behaviourOf: (name: string) => Behaviour, queries: ReceivedQuery[]): Set<TcpSocket> {
  const sockets = new Set<TcpSocket>();
  tcp.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // RFC 1035 §4.2.2: each message is preceded by its two-octet length.
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) break;
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        const query = decodeQuery(message);
        if (!query) continue;
        queries.push({ transport: 'tcp', name: query.name, type: query.type, ednsSize: query.ednsSize });
        const response = respond(query, behaviourOf(query.name), Infinity);
        if (!response) continue;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(response.length);
        socket.write(Buffer.concat([prefix, response]));
      }
    });
  });
  return sockets;
}

async function stopServers(udp: UdpSocket, tcp: TcpServer, sockets: Set<TcpSocket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await Promise.all([new Promise<void>((resolve) => udp.close(() => resolve())), new Promise<void>((resolve) => tcp.close(() => resolve()))]);
}

interface DecodedQuery {
  readonly id: number;
  readonly flags: number;
  readonly name: string;
  readonly type: number;
  /** The question section as received, echoed in the response. */
  readonly question: Buffer;
  readonly ednsSize: number | undefined;
}

/** Header, first question and the EDNS0 OPT record of a query; undefined for anything else. */
export function decodeQuery(message: Buffer): DecodedQuery | undefined {
  if (message.length < 12) return undefined;
  const id = message.readUInt16BE(0);
  const flags = message.readUInt16BE(2);
  const qdcount = message.readUInt16BE(4);
  const arcount = message.readUInt16BE(10);
  if (flags & 0x8000 || qdcount !== 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    const length = message[offset];
    if (length === undefined || length > 63) return undefined;
    offset += 1;
    if (length === 0) break;
    labels.push(message.toString('latin1', offset, offset + length));
    offset += length;
  }
  if (offset + 4 > message.length) return undefined;
  const type = message.readUInt16BE(offset);
  const question = message.subarray(12, offset + 4);
  offset += 4;
  let ednsSize: number | undefined;
  for (let i = 0; i < arcount && offset + 11 <= message.length; i++) {
    // Additional records in a query: the OPT pseudo-record has the root name (one zero octet).
    if (message[offset] !== 0) break;
    const rrType = message.readUInt16BE(offset + 1);
    const rrClass = message.readUInt16BE(offset + 3);
    const rdLength = message.readUInt16BE(offset + 9);
    if (rrType === 41) ednsSize = Math.max(512, rrClass);
    offset += 11 + rdLength;
  }
  return { id, flags, name: labels.join('.').toLowerCase(), type, question, ednsSize };
}

/** The response for one query, or undefined to stay silent. */
function respond(query: DecodedQuery, behaviour: Behaviour, udpLimit: number): Buffer | undefined {
  if (behaviour.kind === 'silent') return undefined;
  if (behaviour.kind === 'rcode') return encodeResponse(query, RCODES[behaviour.rcode], [], false);
  const answers: Buffer[] = [];
  if (query.type === TYPE_TXT) for (const strings of behaviour.txt ?? []) answers.push(encodeRecord(TYPE_TXT, encodeTxt(strings)));
  if (query.type === TYPE_A) for (const ip of behaviour.a ?? []) answers.push(encodeRecord(TYPE_A, Buffer.from(ip.split('.').map(Number))));
  const full = encodeResponse(query, 0, answers, false);
  if (udpLimit !== Infinity && (behaviour.truncateUdp === true || full.length > udpLimit)) return encodeResponse(query, 0, [], true);
  return full;
}

function encodeResponse(query: DecodedQuery, rcode: number, answers: readonly Buffer[], truncated: boolean): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.id, 0);
  // QR=1, the query's opcode and RD, AA=1, TC when truncated, and the response code.
  const flags = 0x8000 | (query.flags & 0x7800) | 0x0400 | (truncated ? 0x0200 : 0) | (query.flags & 0x0100) | rcode;
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, query.question, ...answers]);
}

/** One answer record owned by the question's name (a compression pointer to offset 12). */
function encodeRecord(type: number, rdata: Buffer): Buffer {
  const fixed = Buffer.alloc(12);
  fixed.writeUInt16BE(0xc00c, 0);
  fixed.writeUInt16BE(type, 2);
  fixed.writeUInt16BE(1, 4); // class IN
  fixed.writeUInt32BE(60, 6);
  fixed.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([fixed, rdata]);
}

function encodeTxt(strings: readonly string[]): Buffer {
  return Buffer.concat(
    strings.map((text) => {
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.length > 255) throw new Error('a TXT character-string holds at most 255 octets');
      return Buffer.concat([Buffer.from([bytes.length]), bytes]);
    }),
  );
}
