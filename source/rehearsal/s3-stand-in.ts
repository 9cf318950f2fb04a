import {createHash, randomUUID} from 'node:crypto';
import {existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import type {IncomingMessage, ServerResponse} from 'node:http';
import path from 'node:path';
import {listenOnLoopback} from './loopback-server';
import {errorText} from '../core/errors';
import {processIsAlive} from '../core/process-alive';

export interface S3StandInOptions {
	/** Where the objects live, one file per key under DIR/BUCKET/: two stand-ins on one folder share their buckets. */
	dir: string;
	/** Buckets that exist (created on start); any other answers NoSuchBucket. */
	buckets: string[];
	/** GetBucketVersioning's answer per bucket; a bucket not named has never had versioning. */
	versioning?: Record<string, 'Enabled' | 'Suspended'>;
}

export interface S3Call {
	method: string;
	bucket: string;
	key: string;
	status: number;
	headers: Record<string, string | undefined>;
}

export interface S3StandIn {
	url: string;
	calls: S3Call[];
	/** The next conditional write to `key` answers `status` (412 PreconditionFailed or 409 ConditionalRequestConflict) once. */
	failNextConditionalWrite(bucket: string, key: string, status: 409 | 412): void;
	close(): Promise<void>;
}

const etagOf = (body: Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;

function escapeXml(text: string): string {
	return text.replace(/[&<>"']/g, character => `&#${character.charCodeAt(0)};`);
}

const errorCodes: Record<number, string> = {
	404: 'NoSuchKey',
	409: 'ConditionalRequestConflict',
	412: 'PreconditionFailed',
};

function readBody(request: IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => resolve(Buffer.concat(chunks)));
		request.on('error', reject);
	});
}

/** The payload of an `aws-chunked` body (what the SDK sends with a trailing checksum): chunk sizes in hex, then the trailer. */
function decodeAwsChunked(body: Buffer): Buffer {
	const parts: Buffer[] = [];
	let offset = 0;
	while (offset < body.length) {
		const lineEnd = body.indexOf('\r\n', offset);
		if (lineEnd < 0) break;
		const size = Number.parseInt(body.subarray(offset, lineEnd).toString('latin1').split(';')[0]!, 16);
		if (!size) break;
		parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
		offset = lineEnd + 2 + size + 2;
	}
	return Buffer.concat(parts);
}

const STALE_CLAIM_MS = 10_000;

/**
 * S3 on loopback, as the SDK reaches it with `forcePathStyle` (REST-XML, `/BUCKET/KEY`): PutObject,
 * GetObject, HeadObject, DeleteObject, ListObjectsV2 (prefix, pages of 1000), GetBucketVersioning,
 * and the conditional writes S3 has had since 2024: `If-None-Match: *` creates only when absent and
 * `If-Match: ETAG` replaces only the version read (412 PreconditionFailed otherwise); two conditional
 * writes of one key at once answer 409 ConditionalRequestConflict to the later one.
 * Objects are files, so that two processes (two rehearsal "machines") share one bucket.
 */
export async function startS3StandIn(options: S3StandInOptions): Promise<S3StandIn> {
	for (const bucket of options.buckets) mkdirSync(path.join(options.dir, bucket), {recursive: true});
	const calls: S3Call[] = [];
	const inFlight = new Set<string>();
	const injected = new Map<string, 409 | 412>();
	const fileOf = (bucket: string, key: string) => path.join(options.dir, bucket, ...key.split('/').map(encodeURIComponent));
	const keyOf = (relative: string) => relative.split(path.sep).map(decodeURIComponent).join('/');
	// An If-Match replace reads, compares and renames: another process sharing the folder (a second
	// rehearsal "machine") must not do the same between those, so the key is claimed by a directory
	// that only one process can create, holding that process's pid: a claim of a process that is gone
	// (killed mid-write) is taken at once, one whose pid was not written yet after a while.
	const claims = path.join(options.dir, '.conditional-writes');
	mkdirSync(claims, {recursive: true});
	const slotClaimOf = (slot: string) => path.join(claims, encodeURIComponent(slot));
	const claimIsStale = (claim: string): boolean => {
		const holders = readdirSync(claim).map(Number).filter(Number.isInteger);
		if (holders.length > 0) return !holders.some(processIsAlive);
		const since = statSync(claim, {throwIfNoEntry: false})?.mtimeMs;
		return since === undefined || Date.now() - since >= STALE_CLAIM_MS;
	};
	function claimSlotAcrossProcesses(slot: string, stale = false): boolean {
		const claim = slotClaimOf(slot);
		try {
			mkdirSync(claim);
			writeFileSync(path.join(claim, String(process.pid)), '');
			return true;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			let staleNow: boolean;
			try {
				staleNow = claimIsStale(claim);
			} catch {
				return false;
			}
			if (stale || !staleNow) return false;
			rmSync(claim, {recursive: true, force: true});
			return claimSlotAcrossProcesses(slot, true);
		}
	}

	function listKeys(bucket: string): string[] {
		const root = path.join(options.dir, bucket);
		const keys: string[] = [];
		const walk = (dir: string) => {
			for (const entry of readdirSync(dir, {withFileTypes: true})) {
				const full = path.join(dir, entry.name);
				if (entry.isDirectory()) walk(full);
				else if (!entry.name.endsWith('.tmp')) keys.push(keyOf(path.relative(root, full)));
			}
		};
		walk(root);
		return keys.sort();
	}

	async function handle(request: IncomingMessage, response: ServerResponse, call: S3Call, concurrent: boolean): Promise<void> {
		const send = (status: number, body: string | Buffer = '', headers: Record<string, string> = {}) => {
			call.status = status;
			response.writeHead(status, {'x-amz-request-id': randomUUID(), ...headers});
			response.end(body);
		};
		const fail = (status: number, code = errorCodes[status]!, message = code) =>
			send(
				status,
				request.method === 'HEAD'
					? ''
					: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`,
				{'content-type': 'application/xml'},
			);
		const url = new URL(request.url ?? '/', 'http://localhost');
		const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
		const key = rest.map(decodeURIComponent).join('/');
		call.bucket = bucket;
		call.key = key;
		if (!existsSync(path.join(options.dir, bucket))) return fail(404, 'NoSuchBucket', `The bucket ${bucket} does not exist.`);
		if (!key) {
			if (request.method === 'GET' && url.searchParams.has('versioning')) {
				const status = options.versioning?.[bucket];
				return send(
					200,
					`<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${status ? `<Status>${status}</Status>` : ''}</VersioningConfiguration>`,
					{'content-type': 'application/xml'},
				);
			}
			if (request.method === 'GET' && url.searchParams.get('list-type') === '2') {
				const prefix = url.searchParams.get('prefix') ?? '';
				const after = url.searchParams.get('continuation-token') ?? url.searchParams.get('start-after') ?? '';
				const max = Math.min(Number(url.searchParams.get('max-keys') ?? 1000), 1000);
				const matching = listKeys(bucket).filter(candidate => candidate.startsWith(prefix) && candidate > after);
				const page = matching.slice(0, max);
				const truncated = matching.length > page.length;
				const contents = page
					.map(candidate => {
						const file = fileOf(bucket, candidate);
						const body = readFileSync(file);
						return `<Contents><Key>${escapeXml(candidate)}</Key><LastModified>${statSync(file).mtime.toISOString()}</LastModified><ETag>${escapeXml(etagOf(body))}</ETag><Size>${body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
					})
					.join('');
				return send(
					200,
					`<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${truncated ? `<NextContinuationToken>${escapeXml(page.at(-1)!)}</NextContinuationToken>` : ''}</ListBucketResult>`,
					{'content-type': 'application/xml'},
				);
			}
			return fail(501, 'NotImplemented', `${request.method} on a bucket is not part of this stand-in.`);
		}
		const file = fileOf(bucket, key);
		const current = existsSync(file) ? readFileSync(file) : undefined;
		switch (request.method) {
			case 'GET':
			case 'HEAD':
				if (!current) return fail(404);
				return send(200, request.method === 'GET' ? current : '', {
					etag: etagOf(current),
					'content-length': String(current.length),
					'content-type': 'application/octet-stream',
					'last-modified': statSync(file).mtime.toUTCString(),
				});
			case 'DELETE':
				rmSync(file, {force: true});
				return send(204);
			case 'PUT': {
				const raw = await readBody(request);
				const body = String(request.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-') ? decodeAwsChunked(raw) : raw;
				const ifNoneMatch = request.headers['if-none-match'];
				const ifMatch = request.headers['if-match'];
				const conditional = ifNoneMatch !== undefined || ifMatch !== undefined;
				const slot = `${bucket}/${key}`;
				if (conditional) {
					const forced = injected.get(slot);
					if (forced) {
						injected.delete(slot);
						return fail(forced);
					}
					if (concurrent) return fail(409);
				}
				if (ifMatch !== undefined && !claimSlotAcrossProcesses(slot)) return fail(409);
				try {
					const latest = existsSync(file) ? readFileSync(file) : undefined;
					if (ifNoneMatch === '*' && latest) return fail(412);
					if (ifMatch !== undefined && !latest) return fail(404);
					if (ifMatch !== undefined && latest && ifMatch !== etagOf(latest)) return fail(412);
					mkdirSync(path.dirname(file), {recursive: true});
					const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
					writeFileSync(temporary, body);
					if (ifNoneMatch === '*') {
						// link() fails when the name exists: another process sharing the folder cannot create it twice.
						try {
							linkSync(temporary, file);
						} catch {
							return fail(412);
						} finally {
							rmSync(temporary, {force: true});
						}
					} else renameSync(temporary, file);
					return send(200, '', {etag: etagOf(body)});
				} finally {
					if (ifMatch !== undefined) rmSync(slotClaimOf(slot), {recursive: true, force: true});
				}
			}
			default:
				return fail(405, 'MethodNotAllowed', `${request.method} is not allowed.`);
		}
	}

	const server = await listenOnLoopback((request, response) => {
		const call: S3Call = {method: request.method ?? '', bucket: '', key: '', status: 0, headers: {...request.headers} as S3Call['headers']};
		calls.push(call);
		const url = new URL(request.url ?? '/', 'http://localhost');
		const slot = decodeURIComponent(url.pathname.slice(1));
		const conditional =
			request.method === 'PUT' && (request.headers['if-none-match'] !== undefined || request.headers['if-match'] !== undefined);
		const claimed = conditional && !inFlight.has(slot);
		if (claimed) inFlight.add(slot);
		handle(request, response, call, conditional && !claimed)
			.catch(error => {
				call.status = 500;
				if (!response.headersSent) response.writeHead(500, {'content-type': 'application/xml'});
				response.end(`<Error><Code>InternalError</Code><Message>${escapeXml(errorText(error))}</Message></Error>`);
			})
			.finally(() => {
				if (claimed) inFlight.delete(slot);
			});
	});
	return {
		url: server.url,
		calls,
		failNextConditionalWrite(bucket, key, status) {
			injected.set(`${bucket}/${key}`, status);
		},
		close: server.close,
	};
}
