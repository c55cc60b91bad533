package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/cioaep/cioaep/creds/atomicfile"
	"github.com/cioaep/cioaep/flow/safetext"
)

// ResultFile is where the last successful setup's result lives in a profile's state directory.
const ResultFile = "result.json"

// Result is what a successful Apply produced. Its JSON form is what `cioaep setup --json` prints and what
// status, endpoint and send-test read back.
type Result struct {
	WebhookURL         string   `json:"webhookUrl"` // <inletUrl>?x-adobe-flow-id=<flowId>: paste into Customer.io
	FlowID             string   `json:"flowId"`
	InletURL           string   `json:"inletUrl"`
	DatasetID          string   `json:"datasetId"`
	SchemaID           string   `json:"schemaId"`
	SourceConnectionID string   `json:"sourceConnectionId"`
	TargetConnectionID string   `json:"targetConnectionId"`
	MappingSetID       string   `json:"mappingSetId"`
	Created            []string `json:"created"` // resource kinds (Kind*) this run created
	Reused             []string `json:"reused"`  // resource kinds this run found and kept
}

// LoadResult reads the last setup's result for the profile whose state directory is stateDir. ok is false
// when setup has not completed there yet.
func LoadResult(stateDir string) (Result, bool, error) {
	path := filepath.Join(stateDir, ResultFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Result{}, false, nil
	}
	if err != nil {
		return Result{}, false, fmt.Errorf("read the last setup result: %w", err)
	}
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return Result{}, false, fmt.Errorf("the setup result %s is damaged (%v): run cioaep setup again to rewrite it", path, err)
	}
	// A result saved before inlet URLs were checked may hold one a hostile platform sent.
	for _, u := range []string{r.WebhookURL, r.InletURL} {
		if err := safetext.CheckURL(u); u != "" && err != nil {
			return Result{}, false, fmt.Errorf("the setup result %s holds a webhook URL cioaep refuses to print (%v): run cioaep setup again to rewrite it", path, err)
		}
	}
	return r, true, nil
}

func saveResult(stateDir string, r Result) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(stateDir, ResultFile), append(data, '\n'))
}

// webhookURL is the address Customer.io must post to. The flow id rides in the query because Customer.io
// cannot add custom headers to reporting webhooks.
func webhookURL(inletURL, flowID string) string {
	sep := "?"
	if strings.Contains(inletURL, "?") {
		sep = "&"
	}
	return inletURL + sep + "x-adobe-flow-id=" + url.QueryEscape(flowID)
}
