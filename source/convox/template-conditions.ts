/** Parameter values a condition is evaluated with: the stack's, else the template's defaults. */
export type ParameterValues = Readonly<Record<string, string>>;

export class ConditionError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ConditionError';
	}
}

type Conditions = Readonly<Record<string, unknown>>;

function intrinsic(node: unknown): [string, unknown] | undefined {
	if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
	const entries = Object.entries(node);
	return entries.length === 1 ? entries[0] : undefined;
}

function list(name: string, argument: unknown, length?: number): unknown[] {
	if (!Array.isArray(argument) || (length !== undefined && argument.length !== length)) {
		throw new ConditionError(`${name} expects ${length === undefined ? 'a list' : `a list of ${length}`}, got ${JSON.stringify(argument)}`);
	}
	return argument;
}

/**
 * CloudFormation's condition functions, as far as Convox's rack templates use them: `Fn::Equals`,
 * `Fn::Or`, `Fn::And`, `Fn::Not`, `Condition`, and inside them `Ref` (parameters), `Fn::Select`,
 * `Fn::Split`. Anything else is a ConditionError naming it, never a guess.
 */
export class ConditionEvaluator {
	private readonly resolving = new Set<string>();

	constructor(
		private readonly conditions: Conditions,
		private readonly values: ParameterValues,
	) {}

	condition(name: string): boolean {
		if (!(name in this.conditions)) throw new ConditionError(`the template has no condition ${name}`);
		if (this.resolving.has(name)) throw new ConditionError(`the condition ${name} refers to itself`);
		this.resolving.add(name);
		try {
			return this.truth(this.conditions[name]);
		} finally {
			this.resolving.delete(name);
		}
	}

	private truth(node: unknown): boolean {
		const call = intrinsic(node);
		if (!call) throw new ConditionError(`expected a condition function, got ${JSON.stringify(node)}`);
		const [name, argument] = call;
		switch (name) {
			case 'Fn::Equals': {
				const [left, right] = list(name, argument, 2);
				return this.value(left) === this.value(right);
			}
			case 'Fn::Or':
				return list(name, argument).some(item => this.truth(item));
			case 'Fn::And':
				return list(name, argument).every(item => this.truth(item));
			case 'Fn::Not':
				return !this.truth(list(name, argument, 1)[0]);
			case 'Condition':
				if (typeof argument !== 'string') throw new ConditionError(`Condition expects a name, got ${JSON.stringify(argument)}`);
				return this.condition(argument);
			default:
				throw new ConditionError(`${name} is not a condition function this tool evaluates`);
		}
	}

	private value(node: unknown): string | string[] {
		if (typeof node === 'string') return node;
		if (typeof node === 'number' || typeof node === 'boolean') return String(node);
		if (Array.isArray(node)) return node.map(item => this.scalar(item));
		const call = intrinsic(node);
		if (!call) throw new ConditionError(`cannot evaluate ${JSON.stringify(node)}`);
		const [name, argument] = call;
		switch (name) {
			case 'Ref': {
				if (typeof argument !== 'string') throw new ConditionError(`Ref expects a name, got ${JSON.stringify(argument)}`);
				const value = this.values[argument];
				if (value === undefined) throw new ConditionError(`Ref ${argument}: no such parameter has a value`);
				return value;
			}
			case 'Fn::Split': {
				const [delimiter, source] = list(name, argument, 2);
				if (typeof delimiter !== 'string')
					throw new ConditionError(`Fn::Split expects a delimiter string, got ${JSON.stringify(delimiter)}`);
				return this.scalar(source).split(delimiter);
			}
			case 'Fn::Select': {
				const [index, source] = list(name, argument, 2);
				const items = this.value(source);
				const position = Number(this.scalar(index));
				if (!Array.isArray(items) || !Number.isInteger(position) || position < 0 || position >= items.length) {
					throw new ConditionError(`Fn::Select index ${String(index)} is out of range`);
				}
				return items[position]!;
			}
			default:
				throw new ConditionError(`${name} is not a function this tool evaluates in a condition`);
		}
	}

	private scalar(node: unknown): string {
		const value = this.value(node);
		if (Array.isArray(value)) throw new ConditionError(`expected a string, got the list ${JSON.stringify(value)}`);
		return value;
	}
}
