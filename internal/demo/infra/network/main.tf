# The "network" root: nothing here changes out-of-band, so it stays clean.
resource "terraform_data" "vpc" {
  input = {
    cidr   = "10.0.0.0/16"
    region = "eu-west-1"
  }
}

output "vpc_cidr" {
  value = terraform_data.vpc.output.cidr
}
