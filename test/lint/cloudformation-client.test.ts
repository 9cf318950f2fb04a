import {ESLint} from 'eslint';
import {describe, expect, it} from 'vitest';

// As in layers.test.ts: the files exist only as text, so the type-checked rules are off.
const eslint = new ESLint({
	cwd: new URL('../..', import.meta.url).pathname,
	overrideConfig: {
		languageOptions: {parserOptions: {projectService: false}},
		rules: {'@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off'},
	},
});

async function syntaxErrors(filePath: string, code: string): Promise<string[]> {
	const [result] = await eslint.lintText(code, {filePath});
	expect(result?.messages.filter(message => message.fatal)).toEqual([]);
	return (result?.messages ?? []).filter(message => message.ruleId === 'no-restricted-syntax').map(message => message.message);
}

const MADE = `import {CloudFormationClient} from '@aws-sdk/client-cloudformation';\nexport const client = new CloudFormationClient({});\n`;

describe('no CloudFormation call bypasses the shared pace (eslint.config.js)', () => {
	it.each(['source/services/images-elsewhere.ts', 'source/steps/thing.ts', 'source/commands/thing.ts', 'source/rehearsal/thing.ts'])(
		'%s may not make a CloudFormationClient of its own',
		async filePath => {
			const errors = await syntaxErrors(filePath, MADE);
			expect(errors).toHaveLength(2);
			expect(errors[0]).toMatch(/Only source\/services\/aws-clients\.ts makes a CloudFormationClient/);
		},
	);

	it('nor one imported under another name', async () => {
		const code = `import {CloudFormationClient as Client} from '@aws-sdk/client-cloudformation';\nexport const client = new Client({});\n`;
		expect(await syntaxErrors('source/steps/thing.ts', code)).toHaveLength(1);
	});

	it('takes the type anywhere, and the commands that a paced client sends', async () => {
		const code = `import {DescribeStacksCommand, type CloudFormationClient} from '@aws-sdk/client-cloudformation';\nexport const read = (client: CloudFormationClient) => client.send(new DescribeStacksCommand({}));\n`;
		expect(await syntaxErrors('source/services/thing.ts', code)).toEqual([]);
		expect(
			await syntaxErrors(
				'source/steps/thing.ts',
				`import type {CloudFormationClient} from '@aws-sdk/client-cloudformation';\nexport type C = CloudFormationClient;\n`,
			),
		).toEqual([]);
	});

	it('source/services/aws-clients.ts makes the one client', async () => {
		expect(await syntaxErrors('source/services/aws-clients.ts', MADE)).toEqual([]);
	});
});
