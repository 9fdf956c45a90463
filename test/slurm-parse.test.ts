// Unit tests of SLURM parsing: host lists, array task specs, job environment, squeue and scontrol output.
import { describe, expect, it } from "vitest";
import { countStates, expandHostlist, expandTaskIds, mergeTaskStates, parseScontrolJobs, parseScontrolRecord, parseSqueue, slurmJobFromEnv } from "../slurm/mod.ts";

describe("slurm parsing", () => {
  it("hostlist - ranges, single items, zero padding, comma lists and several bracket groups", () => {
    const cases: [string, string[]][] = [
      ["gpu[01-04,07]", ["gpu01", "gpu02", "gpu03", "gpu04", "gpu07"]],
      ["gpu[8-11]", ["gpu8", "gpu9", "gpu10", "gpu11"]],
      ["gpu[098-101]", ["gpu098", "gpu099", "gpu100", "gpu101"]],
      ["login1", ["login1"]],
      ["a[1-2],b3,c[07,09]", ["a1", "a2", "b3", "c07", "c09"]],
      ["rack[1-2]-n[1-2]", ["rack1-n1", "rack1-n2", "rack2-n1", "rack2-n2"]],
      ["node-[1-2].ib", ["node-1.ib", "node-2.ib"]],
      ["", []],
    ];
    for (const [list, hosts] of cases) expect(expandHostlist(list), list).toEqual(hosts);
  });

  it("hostlist - malformed lists are one-line errors naming the list", () => {
    expect(() => expandHostlist("gpu[01-04")).toThrow(/host list "gpu\[01-04": unbalanced brackets/);
    expect(() => expandHostlist("gpu[a-b]")).toThrow(/bad range "a-b"/);
    expect(() => expandHostlist("gpu[4-1]")).toThrow(/goes backwards/);
  });

  it("array specs - ranges, lists, steps and throttles", () => {
    expect(expandTaskIds("0-3")).toEqual([0, 1, 2, 3]);
    expect(expandTaskIds("[0-3%2]")).toEqual([0, 1, 2, 3]);
    expect(expandTaskIds("0,2,5-6")).toEqual([0, 2, 5, 6]);
    expect(expandTaskIds("0-6:3")).toEqual([0, 3, 6]);
  });

  it("env - an array task of a batch job on two nodes", () => {
    const job = slurmJobFromEnv({
      SLURM_JOB_ID: "1042",
      SLURM_JOB_NAME: "demo.coral",
      SLURM_ARRAY_JOB_ID: "1040",
      SLURM_ARRAY_TASK_ID: "2",
      SLURM_ARRAY_TASK_COUNT: "4",
      SLURM_ARRAY_TASK_MIN: "0",
      SLURM_ARRAY_TASK_MAX: "3",
      SLURM_JOB_NODELIST: "gpu[01-02]",
      SLURMD_NODENAME: "gpu01",
      SLURM_CPUS_PER_TASK: "8",
      SLURM_RESTART_COUNT: "1",
      CUDA_VISIBLE_DEVICES: "2,3",
      HOME: "/home/u",
    });
    expect(job).toEqual({
      jobId: 1042,
      name: "demo.coral",
      array: { jobId: 1040, taskId: 2, count: 4, min: 0, max: 3 },
      nodes: ["gpu01", "gpu02"],
      node: "gpu01",
      procId: 0,
      ntasks: undefined,
      cpus: 8,
      gpus: [2, 3],
      restarts: 1,
      submitDir: undefined,
    });
  });

  it("env - outside SLURM there is no job; a garbled variable names itself", () => {
    expect(slurmJobFromEnv({ HOME: "/root" })).toBeUndefined();
    const single = slurmJobFromEnv({ SLURM_JOB_ID: "7", SLURM_NODELIST: "vm" });
    expect(single?.array).toBeUndefined();
    expect(single?.nodes).toEqual(["vm"]);
    expect(single?.gpus).toEqual([]);
    expect(() => slurmJobFromEnv({ SLURM_JOB_ID: "7", SLURM_ARRAY_TASK_ID: "x" })).toThrow(/SLURM_ARRAY_TASK_ID is not a number/);
  });

  it("squeue - running tasks, a pending range not split yet, a single job", () => {
    const text = ["101|N/A|RUNNING|None|vm", "102|0|RUNNING|None|vm", "102|1|RUNNING|None|vm", "102|2-3|PENDING|Resources|", "103|[4-5%1]|PENDING|JobArrayTaskLimit|", ""].join("\n");
    const tasks = parseSqueue(text);
    expect(tasks.map((t) => `${t.jobId}_${t.taskId ?? "-"}:${t.state}`)).toEqual([
      "101_-:RUNNING",
      "102_0:RUNNING",
      "102_1:RUNNING",
      "102_2:PENDING",
      "102_3:PENDING",
      "103_4:PENDING",
      "103_5:PENDING",
    ]);
    expect(tasks[3]!.reason).toBe("Resources");
  });

  it("scontrol - records with spaces in values, finished array tasks and exit codes", () => {
    const rec = parseScontrolRecord("JobId=12 JobName=demo coral UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=1:0 ReqB:S:C:T=0:0:*:* NodeList=vm");
    expect(rec.JobName).toBe("demo coral");
    expect(rec["ReqB:S:C:T"]).toBe("0:0:*:*");
    expect(rec.ExitCode).toBe("1:0");
    const text = [
      "JobId=21 ArrayJobId=20 ArrayTaskId=1 JobName=d.agents JobState=FAILED Reason=NonZeroExitCode ExitCode=2:0 NodeList=vm",
      "JobId=20 ArrayJobId=20 ArrayTaskId=0 JobName=d.agents JobState=COMPLETED Reason=None ExitCode=0:0 NodeList=vm",
      "JobId=22 ArrayJobId=20 ArrayTaskId=2-3 JobName=d.agents JobState=PENDING Reason=Priority ExitCode=0:0 NodeList=(null)",
    ].join("\n");
    const tasks = parseScontrolJobs(text);
    expect(tasks.map((t) => `${t.jobId}_${t.taskId}:${t.state}:${t.exitCode}`)).toEqual(["20_1:FAILED:2:0", "20_0:COMPLETED:0:0", "20_2:PENDING:0:0", "20_3:PENDING:0:0"]);
    expect(countStates(tasks, 5)).toEqual({ pending: 2, running: 0, completed: 1, failed: 1, cancelled: 0, gone: 1 });
  });

  it("status merge - squeue wins for live tasks, scontrol adds finished ones", () => {
    const remembered = parseScontrolJobs("JobId=30 ArrayJobId=30 ArrayTaskId=0 JobState=PENDING ExitCode=0:0\nJobId=31 ArrayJobId=30 ArrayTaskId=1 JobState=CANCELLED ExitCode=0:15");
    const live = parseSqueue("30|0|RUNNING|None|vm");
    const merged = mergeTaskStates(live, remembered);
    expect(countStates(merged, 2)).toMatchObject({ running: 1, cancelled: 1, gone: 0 });
  });
});
