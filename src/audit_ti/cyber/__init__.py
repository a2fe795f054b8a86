"""The cyber evaluation: findings from scan facts and declarative answers, then the score."""
