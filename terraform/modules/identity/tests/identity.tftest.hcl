mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

override_resource {
  target          = aws_cognito_user_pool.this
  override_during = plan
  values = {
    id = "eu-west-1_AbCdEf"
  }
}

override_resource {
  target          = aws_cognito_user_pool_client.app
  override_during = plan
  values = {
    id = "client123"
  }
}

variables {
  name_prefix = "loyalty-test"
}

run "pool_and_public_client" {
  command = plan

  assert {
    condition     = aws_cognito_user_pool.this.name == "loyalty-test-users" && aws_cognito_user_pool.this.deletion_protection == "ACTIVE"
    error_message = "the pool is named after the prefix and protected from deletion by default"
  }

  assert {
    condition     = aws_cognito_user_pool.this.password_policy[0].minimum_length >= 12 && aws_cognito_user_pool.this.password_policy[0].require_symbols && aws_cognito_user_pool.this.password_policy[0].require_numbers && aws_cognito_user_pool.this.password_policy[0].require_uppercase && aws_cognito_user_pool.this.password_policy[0].require_lowercase
    error_message = "passwords must be long and use every character class"
  }

  assert {
    condition     = aws_cognito_user_pool.this.mfa_configuration == "OPTIONAL" && aws_cognito_user_pool.this.software_token_mfa_configuration[0].enabled
    error_message = "TOTP MFA must be offered"
  }

  assert {
    condition     = aws_cognito_user_pool.this.user_pool_add_ons[0].advanced_security_mode == "ENFORCED" && aws_cognito_user_pool.this.user_pool_tier == "PLUS"
    error_message = "threat protection must be enforced on the plan that offers it"
  }

  assert {
    condition     = !aws_cognito_user_pool_client.app.generate_secret && toset(aws_cognito_user_pool_client.app.explicit_auth_flows) == toset(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    error_message = "the app client is public and allows exactly password, SRP and refresh flows"
  }

  assert {
    condition     = aws_cognito_user_pool_client.app.access_token_validity == 60 && aws_cognito_user_pool_client.app.token_validity_units[0].access_token == "minutes" && aws_cognito_user_pool_client.app.refresh_token_validity == 30 && aws_cognito_user_pool_client.app.token_validity_units[0].refresh_token == "days"
    error_message = "token lifetimes must be set with explicit units"
  }

  assert {
    condition     = output.issuer_url == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf" && output.client_id == "client123"
    error_message = "the issuer is the regional Cognito URL of the pool"
  }
}

run "dev_pool_can_be_deleted_and_essentials_without_threat_protection" {
  command = plan

  variables {
    deletion_protection    = false
    advanced_security_mode = "OFF"
  }

  assert {
    condition     = aws_cognito_user_pool.this.deletion_protection == "INACTIVE" && aws_cognito_user_pool.this.user_pool_tier == "ESSENTIALS"
    error_message = "dev pools are deletable and need no PLUS plan without threat protection"
  }
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    password_minimum_length = 8
    mfa_configuration       = "SOMETIMES"
  }

  expect_failures = [
    var.password_minimum_length,
    var.mfa_configuration,
  ]
}
