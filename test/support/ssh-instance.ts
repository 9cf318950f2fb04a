import type {AddressInfo} from 'node:net';
import ssh2, {type Connection, type ParsedKey, type PublicKeyAuthContext, type ServerChannel} from 'ssh2';

// ssh2 is CommonJS: Node finds no named exports in it.
const {Server, utils} = ssh2;

/** A file Packer copied onto the instance (scp), by its path there. */
export interface Upload {
	path: string;
	content: string;
}

export interface SshInstance {
	port: number;
	/** Every command an `exec` request carried, in order, uploads (`scp -t`) included. */
	commands: string[];
	uploads: Upload[];
	/** Public keys (OpenSSH `ssh-rsa AAAA…`) that were refused. */
	refusedKeys: string[];
	close(): Promise<void>;
}

/**
 * The scp sink (`scp -t DIR`, `scp -rt DIR`) as OpenSSH's answers it: a zero byte when ready, after each
 * `C`/`D`/`E`/`T` line and after each file's bytes. Packer's SSH communicator uploads this way by default.
 */
function scpSink(channel: ServerChannel, target: string, received: (upload: Upload) => void): void {
	const folders = [target];
	let buffer = Buffer.alloc(0);
	let file: {path: string; size: number} | undefined;
	const ack = () => channel.write(Buffer.from([0]));
	channel.on('data', (chunk: Buffer) => {
		buffer = Buffer.concat([buffer, chunk]);
		for (;;) {
			if (file) {
				if (buffer.length < file.size + 1) return;
				received({path: file.path, content: buffer.subarray(0, file.size).toString('utf8')});
				buffer = buffer.subarray(file.size + 1);
				file = undefined;
				ack();
				continue;
			}
			const end = buffer.indexOf(0x0a);
			if (end === -1) return;
			const line = buffer.subarray(0, end).toString('utf8');
			buffer = buffer.subarray(end + 1);
			const [kind, size, name] = [line[0], ...line.slice(1).split(' ').slice(1, 3)];
			if (kind === 'C') file = {path: `${folders.at(-1)}/${name}`, size: Number(size)};
			if (kind === 'D') folders.push(`${folders.at(-1)}/${name}`);
			if (kind === 'E') folders.pop();
			ack();
		}
	});
	channel.on('end', () => {
		channel.exit(0);
		channel.end();
	});
	ack();
}

/**
 * ssh2 answers a key check (RFC 4252 §7) naming `ssh-rsa` even when the client asked with `rsa-sha2-256`
 * or `rsa-sha2-512`; Go's SSH client (Packer's) then gives the key up. Answer with the name it asked with.
 */
function acceptKeyCheck(context: PublicKeyAuthContext): void {
	const asked = {sha256: 'rsa-sha2-256', sha512: 'rsa-sha2-512'}[context.hashAlgo ?? ''];
	if (!asked) return context.accept();
	const internals = context as unknown as {_initialResponse: boolean; _protocol: {authPKOK(algo: string, key: Buffer): void}};
	internals._initialResponse = true;
	internals._protocol.authPKOK(asked, context.key.data);
}

/**
 * The instance of an amazon-ebs build, as the real Packer reaches it over SSH on 127.0.0.1: it lets
 * in only the keys `authorizedKeys()` names at that moment (the EC2 stand-in's key pairs), takes
 * uploads into memory and records every command (`onExec` hears of each as it arrives), answering exit
 * status 0 without running anything.
 */
export async function startSshInstance(authorizedKeys: () => string[], onExec: (command: string) => void = () => {}): Promise<SshInstance> {
	const commands: string[] = [];
	const uploads: Upload[] = [];
	const refusedKeys: string[] = [];
	const hostKey = utils.generateKeyPairSync('ed25519').private;
	const clients = new Set<Connection>();
	const server = new Server({hostKeys: [hostKey]}, client => {
		clients.add(client);
		client.on('close', () => clients.delete(client));
		client.on('authentication', context => {
			if (context.method !== 'publickey') return context.reject(['publickey']);
			const offered = `${context.key.algo} ${context.key.data.toString('base64')}`;
			const known = authorizedKeys()
				.map(key => utils.parseKey(key))
				.find((key): key is ParsedKey => !(key instanceof Error) && key.getPublicSSH().equals(context.key.data));
			if (!known) {
				refusedKeys.push(offered);
				return context.reject(['publickey']);
			}
			if (!context.signature) return acceptKeyCheck(context);
			if (known.verify(context.blob!, context.signature, context.hashAlgo)) return context.accept();
			refusedKeys.push(offered);
			return context.reject(['publickey']);
		});
		client.on('ready', () => {
			client.on('session', accept => {
				const session = accept();
				session.on('pty', accept => accept?.());
				session.on('env', accept => accept?.());
				session.on('exec', (accept, _reject, {command}) => {
					commands.push(command);
					onExec(command);
					const channel = accept();
					const scp = /^scp (?:-\w+ )*-\w*t\w* (.+)$/.exec(command);
					if (scp) return scpSink(channel, scp[1]!, upload => uploads.push(upload));
					channel.exit(0);
					channel.end();
				});
			});
		});
		client.on('error', () => client.end());
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		commands,
		uploads,
		refusedKeys,
		close: () =>
			new Promise<void>(resolve => {
				for (const client of clients) client.end();
				server.close(() => resolve());
			}),
	};
}
