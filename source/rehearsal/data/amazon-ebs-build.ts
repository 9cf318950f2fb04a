// A real-shaped Packer 1.6.6 machine-readable amazon-ebs build (test/fixtures/packer/packer-amazon-ebs.machine-readable.txt, from the shared fixtures).
export const recordedBuild = String.raw`1612360800,,ui,say,==> amazon-ebs: Prevalidating any provided VPC information
1612360800,,ui,say,==> amazon-ebs: Prevalidating AMI Name: convox-dev-3f2c1ab-1612360800
1612360801,,ui,message,    amazon-ebs: Found Image ID: ami-6bb2d67c
1612360801,,ui,say,==> amazon-ebs: Creating temporary keypair: packer_601aaae0-6b1e-7b6a-3c1d-0c9e5a2f4b71
1612360802,,ui,say,==> amazon-ebs: Creating temporary security group for this instance: packer_601aaae1-2f0d-4e1a-90a1-8d4c7e3b2a55
1612360802,,ui,say,==> amazon-ebs: Authorizing access to port 22 from [0.0.0.0/0] in the temporary security groups...
1612360803,,ui,say,==> amazon-ebs: Launching a source AWS instance...
1612360803,,ui,say,==> amazon-ebs: Adding tags to source instance
1612360803,,ui,message,    amazon-ebs: Adding tag: "Name": "packer-convox-dev"
1612360804,,ui,message,    amazon-ebs: Instance ID: i-0d3c5a8e7f21b9c44
1612360804,,ui,say,==> amazon-ebs: Waiting for instance (i-0d3c5a8e7f21b9c44) to become ready...
1612360836,,ui,say,==> amazon-ebs: Using ssh communicator to connect: 54.172.31.208
1612360836,,ui,say,==> amazon-ebs: Waiting for SSH to become available...
1612360867,,ui,say,==> amazon-ebs: Connected to SSH!
1612360867,,ui,say,==> amazon-ebs: Uploading files/logspout-start-task.conf => /tmp/logspout-start-task.conf
1612360868,,ui,say,==> amazon-ebs: Uploading files/collectd.conf => /tmp/collectd.conf
1612360868,,ui,say,==> amazon-ebs: Provisioning with shell script: scripts/install.sh
1612360870,,ui,message,    amazon-ebs: Loaded plugins: priorities%!(PACKER_COMMA) update-motd%!(PACKER_COMMA) upgrade-helper
1612360871,,ui,message,    amazon-ebs: Resolving Dependencies
1612360871,,ui,message,    amazon-ebs: --> Running transaction check
1612360872,,ui,message,    amazon-ebs: ---> Package collectd.x86_64 0:5.4.1-1.11.amzn1 will be installed
1612360872,,ui,message,    amazon-ebs: ---> Package jq.x86_64 0:1.5-1.2.amzn1 will be installed
1612360884,,ui,message,    amazon-ebs: Installed:
1612360884,,ui,message,    amazon-ebs:   collectd.x86_64 0:5.4.1-1.11.amzn1  collectd-write_http.x86_64 0:5.4.1-1.11.amzn1  jq.x86_64 0:1.5-1.2.amzn1
1612360884,,ui,message,    amazon-ebs:
1612360884,,ui,message,    amazon-ebs: Complete!
1612360885,,ui,error,==> amazon-ebs: stop: Unknown instance: 
1612360886,,ui,say,==> amazon-ebs: Stopping the source instance...
1612360886,,ui,message,    amazon-ebs: Stopping instance
1612360887,,ui,say,==> amazon-ebs: Waiting for the instance to stop...
1612360919,,ui,say,==> amazon-ebs: Creating AMI convox-dev-3f2c1ab-1612360800 from instance i-0d3c5a8e7f21b9c44
1612360919,,ui,message,    amazon-ebs: AMI: ami-0a7f3c9e21d4b5e86
1612360919,,ui,say,==> amazon-ebs: Waiting for AMI to become ready...
1612361086,,ui,say,==> amazon-ebs: Modifying attributes on AMI (ami-0a7f3c9e21d4b5e86)...
1612361086,,ui,message,    amazon-ebs: Modifying: description
1612361087,,ui,say,==> amazon-ebs: Modifying attributes on snapshot (snap-04e1b7d2a9c36f0b8)...
1612361087,,ui,say,==> amazon-ebs: Adding tags to AMI (ami-0a7f3c9e21d4b5e86)...
1612361087,,ui,say,==> amazon-ebs: Tagging snapshot: snap-04e1b7d2a9c36f0b8
1612361087,,ui,say,==> amazon-ebs: Creating AMI tags
1612361087,,ui,message,    amazon-ebs: Adding tag: "Version": "3f2c1ab"
1612361087,,ui,message,    amazon-ebs: Adding tag: "SourceAmi": "ami-6bb2d67c"
1612361087,,ui,message,    amazon-ebs: Adding tag: "BuiltAt": "2021-02-03T14:00:00Z"
1612361087,,ui,message,    amazon-ebs: Adding tag: "Name": "convox-dev-3f2c1ab"
1612361087,,ui,message,    amazon-ebs: Adding tag: "Env": "dev"
1612361087,,ui,say,==> amazon-ebs: Creating snapshot tags
1612361088,,ui,say,==> amazon-ebs: Terminating the source AWS instance...
1612361119,,ui,say,==> amazon-ebs: Cleaning up any extra volumes...
1612361119,,ui,say,==> amazon-ebs: No volumes to clean up%!(PACKER_COMMA) skipping
1612361119,,ui,say,==> amazon-ebs: Deleting temporary security group...
1612361120,,ui,say,==> amazon-ebs: Deleting temporary keypair...
1612361120,,ui,say,==> amazon-ebs: Running post-processor: manifest
1612361120,,ui,say,Build 'amazon-ebs' finished after 5 minutes 20 seconds.
1612361120,,ui,say,\n==> Wait completed after 5 minutes 20 seconds
1612361120,,ui,say,\n==> Builds finished. The artifacts of successful builds are:
1612361120,amazon-ebs,artifact-count,2
1612361120,amazon-ebs,artifact,0,builder-id,mitchellh.amazonebs
1612361120,amazon-ebs,artifact,0,id,us-east-1:ami-0a7f3c9e21d4b5e86
1612361120,amazon-ebs,artifact,0,string,AMIs were created:\nus-east-1: ami-0a7f3c9e21d4b5e86\n
1612361120,amazon-ebs,artifact,0,files-count,0
1612361120,amazon-ebs,artifact,0,end
1612361120,,ui,say,--> amazon-ebs: AMIs were created:\nus-east-1: ami-0a7f3c9e21d4b5e86\n
1612361120,amazon-ebs,artifact,1,builder-id,mitchellh.amazonebs
1612361120,amazon-ebs,artifact,1,id,us-east-1:ami-0a7f3c9e21d4b5e86
1612361120,amazon-ebs,artifact,1,string,AMIs were created:\nus-east-1: ami-0a7f3c9e21d4b5e86\n
1612361120,amazon-ebs,artifact,1,files-count,0
1612361120,amazon-ebs,artifact,1,end
1612361120,,ui,say,--> amazon-ebs: AMIs were created:\nus-east-1: ami-0a7f3c9e21d4b5e86\n
`;
