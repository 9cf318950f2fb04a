import {ConfirmInput, PasswordInput, TextInput} from '@inkjs/ui';
import {Box, Text, useInput} from 'ink';
import {useEffect, useRef, useState} from 'react';
import type {Choice} from '../../core/prompter';
import type {PendingPrompt} from '../run-store';
import type {Frames} from './frames';

/**
 * How long a prompt is on the terminal before it takes keys: nobody answers a question within this
 * time of seeing it, so a key that comes sooner was typed before (or while) it was drawn.
 */
const SETTLE_MS = 150;

/**
 * Whether the frame showing this prompt has been on the terminal for SETTLE_MS. Until then keys
 * answer nothing, even those waiting in stdin when the frame was written.
 */
function useDrawn(frames: Frames): boolean {
	// Counted while rendering: any frame written after this render shows the prompt.
	const [before] = useState(() => frames.written);
	const [drawn, setDrawn] = useState(false);
	useEffect(() => {
		let settle: NodeJS.Timeout | undefined;
		const start = () => {
			settle ??= setTimeout(() => setDrawn(true), SETTLE_MS);
		};
		const unsubscribe = frames.subscribe(start);
		if (frames.written > before) start();
		return () => {
			unsubscribe();
			clearTimeout(settle);
		};
	}, [frames, before]);
	return drawn;
}

/** A list of choices; with `initial` undefined nothing is highlighted and Enter answers nothing. */
function ChoiceSelect({
	choices,
	initial,
	isDisabled,
	onChoose,
	onNothingChosen,
}: {
	choices: Array<Choice<string>>;
	initial: number | undefined;
	isDisabled: boolean;
	onChoose: (value: string) => void;
	onNothingChosen: () => void;
}) {
	const [focused, setFocused] = useState(initial);
	// Keys read the focus here: a key may come before the handler that saw the last move is subscribed.
	const focus = useRef(initial);
	const move = (index: number) => {
		focus.current = index;
		setFocused(index);
	};
	useInput(
		(input, key) => {
			const index = focus.current;
			if (key.upArrow) move(((index ?? 0) + choices.length - 1) % choices.length);
			else if (key.downArrow) move(index === undefined ? 0 : (index + 1) % choices.length);
			else if (key.return) {
				if (index === undefined) onNothingChosen();
				else onChoose(choices[index]!.value);
			} else if (input) {
				const lettered = choices.findIndex(choice => choice.label.toLowerCase().startsWith(input.toLowerCase()));
				if (lettered !== -1) move(lettered);
			}
		},
		{isActive: !isDisabled},
	);
	return (
		<Box flexDirection="column">
			{choices.map((choice, index) => (
				<Text key={choice.value}>
					<Text color="blue">{index === focused ? '❯ ' : '  '}</Text>
					<Text {...(index === focused ? {color: 'blue'} : {})}>{choice.label}</Text>
					{choice.hint ? <Text color="gray">{`  ${choice.hint}`}</Text> : null}
				</Text>
			))}
		</Box>
	);
}

/** `shownOnly`: the question is on the screen before it is asked, and takes no keys. */
export function PromptView({prompt, frames, shownOnly = false}: {prompt: PendingPrompt; frames: Frames; shownOnly?: boolean}) {
	const {request} = prompt;
	const [problem, setProblem] = useState<string>();
	const drawn = useDrawn(frames) && !shownOnly;
	return (
		<Box flexDirection="column">
			<Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
				<Text bold>{request.message}</Text>
				{request.kind === 'select' ? (
					<ChoiceSelect
						choices={request.choices}
						initial={request.noDefault ? undefined : 0}
						isDisabled={!drawn}
						onChoose={value => prompt.resolve(value)}
						onNothingChosen={() => setProblem('Nothing is chosen yet: choose with ↑↓ or the first letter, then Enter.')}
					/>
				) : null}
				{request.kind === 'confirm' ? (
					<ConfirmInput
						isDisabled={!drawn}
						defaultChoice={request.defaultValue ? 'confirm' : 'cancel'}
						onConfirm={() => prompt.resolve(true)}
						onCancel={() => prompt.resolve(false)}
					/>
				) : null}
				{request.kind === 'text' ? (
					<TextInput
						isDisabled={!drawn}
						{...(request.placeholder ? {placeholder: request.placeholder} : {})}
						{...(request.defaultValue ? {defaultValue: request.defaultValue} : {})}
						onSubmit={value => {
							const invalid = request.validate?.(value);
							if (invalid) setProblem(invalid);
							else prompt.resolve(value);
						}}
					/>
				) : null}
				{request.kind === 'secret' ? <PasswordInput isDisabled={!drawn} onSubmit={value => prompt.resolve(value)} /> : null}
				{problem ? <Text color="red">{problem}</Text> : null}
			</Box>
			{drawn ? <Text color="gray">↑↓ choose · Enter answer · Ctrl-C stop</Text> : null}
		</Box>
	);
}
