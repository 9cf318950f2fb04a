import {describe, expect, it} from 'vitest';
import {MissingInputError} from '../../../source/core/errors';
import type {Prompter} from '../../../source/core/prompter';
import {changeSetTable, rackPrompter, WaveGate, type RackChangeSet} from '../../../source/workflow/fleet/wave-gate';

interface Asked {
	confirms: string[];
	texts: string[];
}

function prompter(answers: {confirm?: boolean; text?: string; interactive?: boolean; missing?: boolean}, asked: Asked): Prompter {
	return {
		interactive: answers.interactive ?? true,
		select: async () => {
			throw new Error('no select expected');
		},
		secret: async () => 'secret',
		confirm: async question => {
			asked.confirms.push(question.message);
			if (answers.missing) throw new MissingInputError('nobody can answer', question.remedy);
			return answers.confirm ?? true;
		},
		text: async question => {
			asked.texts.push(question.message);
			const value = answers.text ?? '';
			const problem = question.validate?.(value);
			if (problem) throw new Error(problem);
			return value;
		},
	};
}

const changeSet = (rack: string, production = false): RackChangeSet => ({
	rack,
	stackName: `convox-${rack}`,
	changeSetName: `cs-${rack}`,
	production,
	parameters: [
		{key: 'Ami', old: '', new: 'ami-0123', masked: false},
		{key: 'Version', old: '20160820033210', new: '20160916121812', masked: false},
		{key: 'InstanceCount', old: '3', new: '3', masked: false},
	],
	changes: [
		{logicalId: 'LaunchConfiguration', resourceType: 'AWS::AutoScaling::LaunchConfiguration', action: 'Modify', replacement: 'True'},
	],
});

function gate(answers: Parameters<typeof prompter>[0], {confirmed = false, yes = false} = {}) {
	const asked: Asked = {confirms: [], texts: []};
	const shown: string[][] = [];
	const confirmedWaves: number[] = [];
	const wave = new WaveGate({
		fleet: 'all',
		wave: 1,
		prompter: prompter(answers, asked),
		yes,
		confirmed,
		show: rows => shown.push(rows.map(row => row.rack)),
		onConfirmed: index => confirmedWaves.push(index),
	});
	return {wave, asked, shown, confirmedWaves};
}

const fallback = (rack: string) => ({rack, stackName: `convox-${rack}`, changeSetName: `cs-${rack}`, production: false});

describe('WaveGate', () => {
	it('asks once, when every running rack of the wave has previewed its change set, and lets them all go', async () => {
		const {wave, asked, shown, confirmedWaves} = gate({confirm: true});
		for (const rack of ['a', 'b', 'c']) wave.enter(rack);
		wave.preview(changeSet('a'));
		wave.preview(changeSet('b'));
		const a = wave.arrive('a', fallback('a'));
		const b = wave.arrive('b', fallback('b'));
		await new Promise(resolve => setTimeout(resolve, 10));
		expect(asked.confirms).toEqual([]);
		// c ends before its change set (it failed earlier): the others need not wait for it.
		wave.leave('c');
		expect(await Promise.all([a, b])).toEqual([true, true]);
		expect(asked.confirms).toEqual(['Execute the 2 change set(s) of wave 2 of fleet all? They replace 6 instance(s) in all.']);
		expect(shown).toEqual([['a', 'b']]);
		expect(confirmedWaves).toEqual([1]);
		// A rack of the wave that starts later goes through at once, its change set still shown.
		wave.enter('d');
		expect(await wave.arrive('d', fallback('d'))).toBe(true);
		expect(asked.confirms).toHaveLength(1);
		expect(shown.at(-1)).toEqual(['d']);
	});

	it('a production wave needs the fleet name typed once; a wrong name refuses', async () => {
		const right = gate({confirm: true, text: 'all'});
		right.wave.enter('p');
		right.wave.preview(changeSet('p', true));
		expect(await right.wave.arrive('p', fallback('p'))).toBe(true);
		expect(right.asked.texts).toEqual(["Wave 2 updates PRODUCTION stacks (convox-p). Type the fleet's name to go on:"]);
		const wrong = gate({confirm: true, text: 'convox-p'});
		wrong.wave.enter('p');
		wrong.wave.preview(changeSet('p', true));
		await expect(wrong.wave.arrive('p', fallback('p'))).rejects.toThrow('Type all exactly');
		expect(wrong.confirmedWaves).toEqual([]);
	});

	it('--yes asks nothing typed; a declined wave answers no to every rack; a wave confirmed before is not asked again', async () => {
		const yes = gate({confirm: true}, {yes: true});
		yes.wave.enter('p');
		yes.wave.preview(changeSet('p', true));
		expect(await yes.wave.arrive('p', fallback('p'))).toBe(true);
		expect(yes.asked.texts).toEqual([]);
		const no = gate({confirm: false});
		no.wave.enter('a');
		no.wave.enter('b');
		const answers = Promise.all([no.wave.arrive('a', fallback('a')), no.wave.arrive('b', fallback('b'))]);
		expect(await answers).toEqual([false, false]);
		expect(no.confirmedWaves).toEqual([]);
		const before = gate({confirm: false}, {confirmed: true});
		before.wave.enter('a');
		expect(await before.wave.arrive('a', fallback('a'))).toBe(true);
		expect(before.asked.confirms).toEqual([]);
	});

	it('a rehearsal types the fleet name in already', async () => {
		const defaults: Array<string | undefined> = [];
		const typed: Prompter = {
			interactive: true,
			select: async () => {
				throw new Error('no select expected');
			},
			secret: async () => '',
			confirm: async () => true,
			text: async question => {
				defaults.push(question.defaultValue);
				return question.defaultValue ?? '';
			},
		};
		const wave = new WaveGate({
			fleet: 'demo',
			wave: 0,
			prompter: typed,
			yes: false,
			confirmed: false,
			prefill: true,
			show: () => undefined,
			onConfirmed: () => undefined,
		});
		wave.enter('p');
		wave.preview(changeSet('p', true));
		expect(await wave.arrive('p', fallback('p'))).toBe(true);
		expect(defaults).toEqual(['demo']);
	});

	it('a question nobody can answer fails every waiting rack with it', async () => {
		const {wave} = gate({missing: true, interactive: false});
		wave.enter('a');
		await expect(wave.arrive('a', fallback('a'))).rejects.toBeInstanceOf(MissingInputError);
	});
});

describe('changeSetTable', () => {
	it('one row per rack: parameters old → new (masked ones as ****) and the instances to replace', () => {
		const masked = {...changeSet('b'), parameters: [{key: 'Password', old: 'x', new: 'y', masked: true}], changes: []};
		const table = changeSetTable([changeSet('a'), masked]).split('\n');
		expect(table[0]).toMatch(/^RACK\s+STACK\s+PARAMETERS \(old → new\)\s+INSTANCES TO REPLACE$/);
		expect(table[1]).toMatch(/^a\s+convox-a\s+Ami \(none\) → ami-0123, Version 20160820033210 → 20160916121812, InstanceCount 3 → 3\s+3$/);
		expect(table[2]).toMatch(/^b\s+convox-b\s+Password \*\*\*\* → \*\*\*\*\s+0$/);
	});
});

describe('rackPrompter', () => {
	it('routes the change set execution to the gate, answers the production stack name, passes the rest on', async () => {
		const asked: Asked = {confirms: [], texts: []};
		const {wave, asked: gateAsked} = gate({confirm: true, text: 'all'});
		const rack = rackPrompter(prompter({confirm: true, text: 'typed'}, asked), () => wave, {
			rack: 'a',
			stackName: 'convox-a',
			production: true,
		});
		wave.enter('a');
		expect(await rack.confirm({message: 'Execute change set x?', remedy: '--yes', id: 'execute-change-set'})).toBe(true);
		expect(await rack.text({message: 'Type its name', remedy: '--yes', id: 'production-stack-name'})).toBe('convox-a');
		expect(await rack.text({message: 'Something else', remedy: 'X'})).toBe('typed');
		expect(await rack.confirm({message: 'Other question', remedy: 'Y'})).toBe(true);
		expect(asked.confirms).toEqual(['Other question']);
		expect(asked.texts).toEqual(['Something else']);
		// The production rack's confirmation was the wave's: the fleet's name, typed once.
		expect(gateAsked.texts).toHaveLength(1);
	});
});
