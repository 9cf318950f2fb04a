import type {S3Client} from '@aws-sdk/client-s3';
import {UsageError} from '../core/errors';
import {WriteConflict, type ListedObject, type StateBackend, type StoredObject, type WriteCondition} from '../core/state-backend';
import type {StateHandOff} from '../core/state-location';

/** Under --rehearse `endpoint` and `credentials` name the loopback S3 stand-in and its fake key; no profile is read. */
export type S3StateOptions = StateHandOff;

interface S3Failure {
	name?: string;
	message?: string;
	$metadata?: {httpStatusCode?: number};
}

function statusOf(error: unknown): number | undefined {
	return (error as S3Failure).$metadata?.httpStatusCode;
}

/** What to do about a refused call: the bucket, the key, the IAM action it needs. */
function describeFailure(error: unknown, where: string, action: string): Error {
	const failure = error as S3Failure;
	if (failure.name === 'NoSuchBucket')
		return new UsageError(
			`The state bucket of ${where} does not exist.`,
			'Create it (versioning on), or pass another --state s3://BUCKET/PREFIX.',
		);
	if (failure.name === 'CredentialsProviderError')
		return new UsageError(
			`No AWS credentials for the state ${where}: ${failure.message ?? ''}`,
			'Set state.s3.profile in the config (or AWS_PROFILE), or sign in first (aws sso login).',
		);
	if (statusOf(error) === 403 || failure.name === 'AccessDenied')
		return new UsageError(
			`${action} on ${where} was refused (${failure.name ?? 'AccessDenied'}).`,
			`Give the state profile ${action} on the bucket (docs/state.md lists the actions), or pass another --state.`,
		);
	return error as Error;
}

/**
 * The state in S3 under `s3://bucket/prefix/`: every object encrypted at rest (SSE-S3, or SSE-KMS
 * with the configured key), journal replacements conditional on the ETag read (If-Match), locks
 * created only where none is (If-None-Match: *).
 */
export async function createS3State(options: S3StateOptions): Promise<StateBackend> {
	const [s3, {fromNodeProviderChain}] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/credential-providers')]);
	const {location} = options;
	const client: S3Client = new s3.S3Client({
		region: location.region,
		credentials: options.credentials ?? fromNodeProviderChain(location.profile ? {profile: location.profile} : {}),
		...(options.endpoint ? {endpoint: options.endpoint, forcePathStyle: true} : {}),
	});
	const where = `s3://${location.bucket}/${location.prefix}`;
	const fullKey = (key: string) => (location.prefix ? `${location.prefix.replace(/\/$/, '')}/${key}` : key);
	const encryption = location.kmsKeyId
		? {ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: location.kmsKeyId}
		: {ServerSideEncryption: 'AES256' as const};
	return {
		where,
		handOff: options,
		async get(key): Promise<StoredObject | undefined> {
			try {
				const answer = await client.send(new s3.GetObjectCommand({Bucket: location.bucket, Key: fullKey(key)}));
				return {text: (await answer.Body?.transformToString('utf8')) ?? '', etag: answer.ETag ?? ''};
			} catch (error) {
				if ((error as S3Failure).name === 'NoSuchKey' || statusOf(error) === 404) {
					if ((error as S3Failure).name === 'NoSuchBucket') throw describeFailure(error, where, 's3:GetObject');
					return undefined;
				}
				throw describeFailure(error, where, 's3:GetObject');
			}
		},
		async put(key, text, condition?: WriteCondition) {
			try {
				const answer = await client.send(
					new s3.PutObjectCommand({
						Bucket: location.bucket,
						Key: fullKey(key),
						Body: text,
						ContentType: key.endsWith('.json') ? 'application/json' : 'text/plain; charset=utf-8',
						...encryption,
						...(condition && 'ifMatch' in condition ? {IfMatch: condition.ifMatch} : {}),
						...(condition && 'ifNoneMatch' in condition ? {IfNoneMatch: condition.ifNoneMatch} : {}),
					}),
				);
				return answer.ETag ?? '';
			} catch (error) {
				const status = statusOf(error);
				if (condition && status === 412) throw new WriteConflict(key, 'ifNoneMatch' in condition ? 'exists' : 'changed');
				if (condition && status === 409) throw new WriteConflict(key, 'conflict');
				if (condition && status === 404 && (error as S3Failure).name !== 'NoSuchBucket') throw new WriteConflict(key, 'missing');
				throw describeFailure(error, where, 's3:PutObject');
			}
		},
		async delete(key) {
			try {
				await client.send(new s3.DeleteObjectCommand({Bucket: location.bucket, Key: fullKey(key)}));
			} catch (error) {
				throw describeFailure(error, where, 's3:DeleteObject');
			}
		},
		async list(prefix) {
			const listed: ListedObject[] = [];
			const base = fullKey('');
			try {
				for await (const page of s3.paginateListObjectsV2({client}, {Bucket: location.bucket, Prefix: fullKey(prefix)})) {
					for (const object of page.Contents ?? [])
						if (object.Key) listed.push({key: object.Key.slice(base.length), etag: object.ETag ?? ''});
				}
			} catch (error) {
				throw describeFailure(error, where, 's3:ListBucket');
			}
			return listed;
		},
		async advice() {
			try {
				const answer = await client.send(new s3.GetBucketVersioningCommand({Bucket: location.bucket}));
				if (answer.Status === 'Enabled') return undefined;
				return `Versioning is off on the state bucket ${location.bucket}: an overwritten or deleted journal cannot be recovered. Turn it on (aws s3api put-bucket-versioning --bucket ${location.bucket} --versioning-configuration Status=Enabled).`;
			} catch (error) {
				if (statusOf(error) === 403)
					return `Could not read the versioning of ${location.bucket} (s3:GetBucketVersioning refused); keep versioning on for the state bucket.`;
				throw describeFailure(error, where, 's3:GetBucketVersioning');
			}
		},
	};
}
