// Command cioaep connects Customer.io reporting webhooks to an Adobe Experience Platform streaming dataflow.
package main

import (
	"os"

	"github.com/cioaep/cioaep/cmd"
)

func main() {
	os.Exit(cmd.Execute())
}
