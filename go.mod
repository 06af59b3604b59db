module github.com/gitpulse/gitpulse

go 1.26
