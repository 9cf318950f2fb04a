import {ConfirmInput, PasswordInput, Select, TextInput} from '@inkjs/ui';
import {Box, Text} from 'ink';
import {useState} from 'react';
import type {PendingPrompt} from '../run-store';

export function PromptView({prompt}: {prompt: PendingPrompt}) {
	const {request} = prompt;
	const [problem, setProblem] = useState<string>();
	return (
		<Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
			<Text bold>{request.message}</Text>
			{request.kind === 'select' ? (
				<Select
					options={request.choices.map(choice => ({
						value: choice.value,
						label: choice.hint ? `${choice.label}  ${choice.hint}` : choice.label,
					}))}
					onChange={value => prompt.resolve(value)}
				/>
			) : null}
			{request.kind === 'confirm' ? (
				<ConfirmInput
					defaultChoice={request.defaultValue ? 'confirm' : 'cancel'}
					onConfirm={() => prompt.resolve(true)}
					onCancel={() => prompt.resolve(false)}
				/>
			) : null}
			{request.kind === 'text' ? (
				<TextInput
					{...(request.placeholder ? {placeholder: request.placeholder} : {})}
					{...(request.defaultValue ? {defaultValue: request.defaultValue} : {})}
					onSubmit={value => {
						const invalid = request.validate?.(value);
						if (invalid) setProblem(invalid);
						else prompt.resolve(value);
					}}
				/>
			) : null}
			{request.kind === 'secret' ? <PasswordInput onSubmit={value => prompt.resolve(value)} /> : null}
			{problem ? <Text color="red">{problem}</Text> : null}
		</Box>
	);
}
