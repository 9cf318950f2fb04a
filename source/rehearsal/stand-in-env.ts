/** The variables that send every AWS client, the SDK's and the rehearsal tools', to the AWS stand-in at `url`. */
export function awsStandInEnv(url: string): NodeJS.ProcessEnv {
	return {
		AWS_ENDPOINT_URL: url,
		AWS_ENDPOINT_URL_STS: url,
		AWS_ENDPOINT_URL_CLOUDFORMATION: url,
		AWS_ENDPOINT_URL_EC2: url,
		AWS_ENDPOINT_URL_SSM: url,
		AWS_ENDPOINT_URL_IAM: url,
		AWS_ENDPOINT_URL_CLOUDWATCH: url,
		AWS_ENDPOINT_URL_AUTO_SCALING: url,
		AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
		AWS_ENDPOINT_URL_RBIN: url,
	};
}
