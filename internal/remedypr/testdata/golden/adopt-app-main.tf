# The app root.
resource "aws_instance" "web" {
  ami           = "ami-123"
  instance_type = "t3.large" # sized for idle
  monitoring    = var.monitoring

  tags = {
    env   = "production"
    owner = local.owner
  }
}

resource "aws_db_instance" "db" {
  password = "hunter2-in-code"
}
