/**
 * The app's load-balancer URLs from `convox apps info` output: the `Endpoints` line and its
 * indented continuation lines, each `host:port (process)`; 443 becomes https.
 */
export function parseEndpoints(stdout: string): string[] {
	const lines = stdout.split(/\r?\n/);
	const start = lines.findIndex(line => /^Endpoints\b/.test(line));
	if (start === -1) return [];
	const values = [lines[start]!.replace(/^Endpoints\s*/, '')];
	for (const line of lines.slice(start + 1)) {
		if (!/^\s+\S/.test(line)) break;
		values.push(line.trim());
	}
	return values
		.flatMap(value => value.split(/\s+/))
		.flatMap(token => {
			const match = /^([a-z0-9-]+(?:\.[a-z0-9-]+)+):(\d+)$/i.exec(token);
			if (!match) return [];
			const [, host, port] = match;
			if (port === '443') return [`https://${host}/`];
			if (port === '80') return [`http://${host}/`];
			return [`http://${host}:${port}/`];
		});
}
