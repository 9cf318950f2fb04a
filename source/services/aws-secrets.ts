import {GetParameterCommand} from '@aws-sdk/client-ssm';
import type {SecretReference} from '../config/secret-references';
import {StepFailedError} from '../core/errors';
import type {AwsClients} from '../core/ports';

/** What a read needs to know besides the reference: the account's clients, and where they are, for the messages. */
export interface AwsSecretTarget {
	clients: AwsClients;
	region: string;
	accountId: string;
	/** Rehearsal: the loopback stand-in (the SDK's clients otherwise honour AWS_ENDPOINT_URL_SECRETS_MANAGER). */
	endpoint?: string;
	signal?: AbortSignal;
}

const DENIED = /AccessDenied|not authorized|UnrecognizedClient/i;
const KMS = /KMS|Decrypt/i;

function describe(reference: SecretReference): string {
	return reference.store === 'ssm'
		? `SSM parameter ${reference.name}`
		: `Secrets Manager secret ${reference.name}${reference.key ? ` (key ${reference.key})` : ''}`;
}

function permissionOf(reference: SecretReference): string {
	return reference.store === 'ssm' ? 'ssm:GetParameter' : 'secretsmanager:GetSecretValue';
}

function failure(envName: string, reference: SecretReference, target: AwsSecretTarget, error: unknown): Error {
	const {name = '', message = ''} = error as {name?: string; message?: string};
	const where = `account ${target.accountId} (${target.region})`;
	const fallback = `or set ${envName} in the environment, which wins over the config's secrets.${envName}`;
	if (name === 'ParameterNotFound' || name === 'ResourceNotFoundException') {
		return new StepFailedError(
			`${envName}: the ${describe(reference)} does not exist in ${where}.`,
			`Create it, fix secrets.${envName} in the config, ${fallback}.`,
		);
	}
	if (name === 'DecryptionFailure' || ((DENIED.test(name) || DENIED.test(message)) && KMS.test(message))) {
		return new StepFailedError(
			`${envName}: the ${describe(reference)} in ${where} could not be decrypted: ${message}`,
			`Allow kms:Decrypt on its KMS key to the credentials (the account's role), ${fallback}.`,
		);
	}
	if (DENIED.test(name) || DENIED.test(message)) {
		return new StepFailedError(
			`${envName}: reading the ${describe(reference)} in ${where} was denied: ${message}`,
			`Allow ${permissionOf(reference)} on it (and kms:Decrypt on its KMS key) to the credentials (the account's role), ${fallback}.`,
		);
	}
	return new StepFailedError(
		`${envName}: the ${describe(reference)} in ${where} could not be read: ${name ? `${name}: ` : ''}${message}`,
		'Check the network and the credentials, then run `convox-ami resume`.',
	);
}

async function readSecretsManager(
	reference: Extract<SecretReference, {store: 'secretsmanager'}>,
	target: AwsSecretTarget,
): Promise<string> {
	const {SecretsManagerClient, GetSecretValueCommand} = await import('@aws-sdk/client-secrets-manager');
	const client = new SecretsManagerClient({
		region: target.region,
		credentials: target.clients.credentials,
		maxAttempts: 6,
		...(target.endpoint ? {endpoint: target.endpoint} : {}),
	});
	try {
		const {SecretString} = await client.send(new GetSecretValueCommand({SecretId: reference.name}), {abortSignal: target.signal});
		if (SecretString === undefined) throw Object.assign(new Error('it holds a binary value, not a string'), {name: 'BinarySecret'});
		if (!reference.key) return SecretString;
		let parsed: unknown;
		try {
			parsed = JSON.parse(SecretString);
		} catch {
			throw Object.assign(new Error(`it is not JSON, so it has no key ${reference.key}`), {name: 'NotJson'});
		}
		const value = (parsed as Record<string, unknown>)[reference.key];
		if (typeof value !== 'string') throw Object.assign(new Error(`its JSON has no string key ${reference.key}`), {name: 'MissingKey'});
		return value;
	} finally {
		client.destroy();
	}
}

/** The secret's value, read with the account's credentials; an error names the secret and the permission it lacks. */
export async function readAwsSecret(envName: string, reference: SecretReference, target: AwsSecretTarget): Promise<string> {
	try {
		if (reference.store === 'secretsmanager') return await readSecretsManager(reference, target);
		const {Parameter} = await target.clients.ssm.send(new GetParameterCommand({Name: reference.name, WithDecryption: true}), {
			abortSignal: target.signal,
		});
		return Parameter?.Value ?? '';
	} catch (error) {
		if (target.signal?.aborted) throw error;
		throw failure(envName, reference, target, error);
	}
}
