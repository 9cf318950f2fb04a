export interface TemplateParameter {
	name: string;
	default?: string;
	noEcho: boolean;
}

export interface StackParameter {
	key: string;
	value: string;
	/** SSM-typed parameters: the value CloudFormation resolved the named parameter to at the last update. */
	resolvedValue?: string;
}

export interface StackSnapshot {
	stackId: string;
	stackName: string;
	status: string;
	statusReason?: string;
	parameters: StackParameter[];
	lastUpdatedTime?: Date;
}
