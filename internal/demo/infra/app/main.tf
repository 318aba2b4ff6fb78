# The "app" root: configuration files the application reads at start-up.
# Someone will edit one by hand and delete another: that is drift.
terraform {
  required_providers {
    local = {
      source  = "hashicorp/local"
      version = "1.4.0"
    }
  }
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = "demo-canary-s3cr3t"
}

resource "local_file" "app_config" {
  filename = "${path.module}/rendered/app.conf"
  content  = "listen = 8080\nworkers = 4\n"
}

resource "local_file" "feature_flags" {
  filename = "${path.module}/rendered/feature-flags.json"
  content  = jsonencode({ new_checkout = false })
}

resource "local_file" "db_credentials" {
  filename          = "${path.module}/rendered/db.env"
  sensitive_content = "DB_PASSWORD=${var.db_password}\n"
}

resource "terraform_data" "release" {
  input = "v1.4.2"
}
