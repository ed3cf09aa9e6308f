// goplugin - a minimal Core Lightning plugin in Go, for the sandbox test:
// the Go runtime (threads, signals, epoll, timers) must work under the
// default seccomp profile. Splits stdin on "\n\n" like cln-plugin; method
// `hello` answers, `callrpc` calls getinfo on the RPC socket from init.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

var out = bufio.NewWriter(os.Stdout)
var mu sync.Mutex
var rpcPath string

func emit(v interface{}) {
	b, _ := json.Marshal(v)
	mu.Lock()
	out.Write(b)
	out.WriteString("\n\n")
	out.Flush()
	mu.Unlock()
}

func split(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.Index(data, []byte("\n\n")); i >= 0 {
		return i + 2, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

func callRPC(method string) (json.RawMessage, error) {
	c, err := net.DialTimeout("unix", rpcPath, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	req, _ := json.Marshal(map[string]interface{}{"jsonrpc": "2.0", "id": "goplugin:" + method + "#1",
		"method": method, "params": map[string]interface{}{}})
	c.Write(req)
	var resp json.RawMessage
	err = json.NewDecoder(c).Decode(&resp)
	return resp, err
}

func main() {
	if os.Getenv("LIGHTNINGD_PLUGIN") != "1" {
		os.Exit(1)
	}
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	sc.Split(split)
	var wg sync.WaitGroup
	for sc.Scan() {
		var req struct {
			ID     json.RawMessage            `json:"id"`
			Method string                     `json:"method"`
			Params map[string]json.RawMessage `json:"params"`
		}
		if json.Unmarshal(sc.Bytes(), &req) != nil || req.ID == nil {
			continue
		}
		switch req.Method {
		case "getmanifest":
			emit(map[string]interface{}{"jsonrpc": "2.0", "id": req.ID, "result": map[string]interface{}{
				"options": []interface{}{}, "rpcmethods": []interface{}{
					map[string]string{"name": "hello", "usage": ""},
					map[string]string{"name": "callrpc", "usage": ""}},
				"dynamic": true}})
		case "init":
			var conf map[string]interface{}
			json.Unmarshal(req.Params["configuration"], &conf)
			dir, _ := conf["lightning-dir"].(string)
			file, _ := conf["rpc-file"].(string)
			rpcPath = file
			if !filepath.IsAbs(file) {
				rpcPath = filepath.Join(dir, file)
			}
			emit(map[string]interface{}{"jsonrpc": "2.0", "id": req.ID, "result": map[string]interface{}{}})
		case "hello":
			id := req.ID
			wg.Add(1)
			go func() { // answered from another goroutine, after a timer
				defer wg.Done()
				time.Sleep(10 * time.Millisecond)
				emit(map[string]interface{}{"jsonrpc": "2.0", "id": id,
					"result": map[string]interface{}{"hello": "from go", "pid": os.Getpid()}})
			}()
		case "callrpc":
			resp, err := callRPC("getinfo")
			if err != nil {
				emit(map[string]interface{}{"jsonrpc": "2.0", "id": req.ID,
					"error": map[string]interface{}{"code": -1, "message": err.Error()}})
			} else {
				emit(map[string]interface{}{"jsonrpc": "2.0", "id": req.ID, "result": resp})
			}
		}
	}
	wg.Wait()
}
