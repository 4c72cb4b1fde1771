// Command islet is the islet platform's single binary.
package main

import "islet/internal/cli"

func main() { cli.Main() }
