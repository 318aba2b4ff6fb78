# The web tier. Sizes are reviewed quarterly.
resource "aws_instance" "web" {
  count         = 2
  ami           = "ami-123" # pinned
  instance_type = "t3.large"
  monitoring    = false
  ebs_optimized = var.ebs_optimized
  user_data     = templatefile("init.sh", { env = "prod" })

  # Tags are read by the cost report.
  tags = {
    env                      = "prod" # keep lower case
    "app.kubernetes.io/name" = "web"
    owner                    = local.owner
  }

  root_block_device {
    volume_size = 20
  }
}

resource "aws_security_group" "web" {
  name  = "web"
  ports = [80, 443]
  cidrs = ["10.0.0.0/8", var.office_cidr]
  port  = "8080"
  delay = -1
}

resource "aws_s3_bucket" "logs" {
  for_each = toset(["a", "b"])
  bucket   = "logs-${each.key}"
  acl      = "private"
  days     = 30
}

module "net" {
  source = "./modules/net"
  cidr   = "10.0.0.0/16"
}
