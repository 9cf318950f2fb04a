import {availableParallelism} from 'node:os';
import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		testTimeout: 60_000,
		hookTimeout: 60_000,
		pool: 'forks',
		// Most files wait on loopback stand-ins, paced rehearsals and pseudo-terminals rather than on the
		// CPU: on a 2-core machine vitest's default (cores - 1) would run them one at a time.
		maxWorkers: Math.max(3, availableParallelism()),
		env: {AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', CI: 'false'},
		// GitHub's workflow parser imports its JSON schema without an import attribute, which Node refuses: Vite loads it instead.
		server: {deps: {inline: ['@actions/workflow-parser']}},
	},
});
