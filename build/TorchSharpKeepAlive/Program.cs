using Mono.Cecil;
using Mono.Cecil.Cil;
using Mono.Cecil.Rocks;

// TorchSharp 0.107 reads `x.Handle` and then calls libtorch with the bare pointer. Once the handle is read, the JIT
// considers the managed owner (a temporary Scalar made from `2.0`, a Tensor only an array still holds) dead, so a
// garbage collection during the native call can run its finalizer and free the native object under the call: a
// use-after-free (dotnet/TorchSharp PRs #1434 and #1496, unmerged). This tool closes that window for every method of
// the assembly, ours and user code alike, since every native call is made from inside TorchSharp.dll: before each
// `ret` it adds `GC.KeepAlive` for `this`, every reference-typed argument and local, and every temporary value of a
// type that owns a native handle (a type with a finalizer, an array or collection of one). An object then lives
// until the method that passed its handle to libtorch has returned. Nothing else changes: no extra allocation, no
// change in when explicit Dispose or dispose scopes free anything.
//
// usage: TorchSharpKeepAlive <TorchSharp.dll in> <TorchSharp.dll out>
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: TorchSharpKeepAlive <TorchSharp.dll in> <TorchSharp.dll out>");
    return 2;
}
var resolver = new DefaultAssemblyResolver();
resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(args[0]))!);
using var assembly = AssemblyDefinition.ReadAssembly(
    args[0],
    new ReaderParameters { AssemblyResolver = resolver, ReadSymbols = false }
);
var patcher = new KeepAlivePatcher(assembly.MainModule);
int patched = patcher.Run();
patcher.Stamp(assembly, patched);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(args[1]))!);
assembly.Write(args[1]);
Console.WriteLine($"TorchSharpKeepAlive: {patched} methods of {assembly.Name.Name} keep their arguments alive");
return 0;

sealed class KeepAlivePatcher(ModuleDefinition module)
{
    public const string MetadataKey = "MidiGenre.KeepAlive";
    readonly Dictionary<string, bool> _owners = [];
    readonly MethodReference _keepAlive = module.ImportReference(
        new MethodReference("KeepAlive", module.TypeSystem.Void, GcType(module))
        {
            HasThis = false,
            Parameters = { new ParameterDefinition(module.TypeSystem.Object) },
        }
    );

    static TypeReference GcType(ModuleDefinition m) => new("System", "GC", m, m.TypeSystem.CoreLibrary);

    public int Run()
    {
        if (module.Assembly.CustomAttributes.Any(IsStamp))
            throw new InvalidOperationException($"{module.Assembly.Name.Name} is already patched");
        int n = 0;
        foreach (var type in module.GetTypes())
        foreach (var method in type.Methods)
            if (method.HasBody && Patch(method))
                n++;
        return n;
    }

    /// <summary>Records the patch in the assembly, so a test can tell which TorchSharp.dll it loaded.</summary>
    public void Stamp(AssemblyDefinition assembly, int methods)
    {
        var attribute = new TypeReference(
            "System.Reflection",
            "AssemblyMetadataAttribute",
            module,
            module.TypeSystem.CoreLibrary
        );
        var ctor = new MethodReference(".ctor", module.TypeSystem.Void, attribute)
        {
            HasThis = true,
            Parameters =
            {
                new ParameterDefinition(module.TypeSystem.String),
                new ParameterDefinition(module.TypeSystem.String),
            },
        };
        var stamp = new CustomAttribute(module.ImportReference(ctor));
        stamp.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, MetadataKey));
        stamp.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, methods.ToString()));
        assembly.CustomAttributes.Add(stamp);
    }

    static bool IsStamp(CustomAttribute a) =>
        a.AttributeType.Name == "AssemblyMetadataAttribute"
        && a.ConstructorArguments.Count == 2
        && a.ConstructorArguments[0].Value as string == MetadataKey;

    bool Patch(MethodDefinition method)
    {
        var body = method.Body;
        // `tail.` calls must be followed by ret; C# never emits them, so such a method is left as it is.
        if (body.Instructions.Any(i => i.OpCode == OpCodes.Tail))
            return false;
        body.SimplifyMacros();
        var kept = new List<Instruction>(); // loads of what must live until the method returns
        if (method.HasThis && !method.DeclaringType.IsValueType)
            kept.Add(Instruction.Create(OpCodes.Ldarg, method.Body.ThisParameter));
        foreach (var p in method.Parameters)
            if (IsReference(p.ParameterType))
                kept.Add(Instruction.Create(OpCodes.Ldarg, p));
        foreach (var v in body.Variables.ToList())
            if (!v.IsPinned && IsReference(v.VariableType))
                kept.Add(Instruction.Create(OpCodes.Ldloc, v));
        var il = body.GetILProcessor();
        foreach (var producer in body.Instructions.ToList())
        {
            var type = ProducedType(producer);
            if (type == null || !MentionsOwner(type))
                continue;
            var temp = new VariableDefinition(module.ImportReference(type));
            body.Variables.Add(temp);
            il.InsertAfter(producer, Instruction.Create(OpCodes.Stloc, temp));
            il.InsertAfter(producer, Instruction.Create(OpCodes.Dup));
            kept.Add(Instruction.Create(OpCodes.Ldloc, temp));
        }
        if (kept.Count == 0)
        {
            body.OptimizeMacros();
            return false;
        }
        body.InitLocals = true; // the added temporaries are read on paths that may not have stored them
        foreach (var ret in body.Instructions.Where(i => i.OpCode == OpCodes.Ret).ToList())
        {
            // The ret becomes the first load, so branches and handler ends that pointed at it still do.
            ret.OpCode = kept[0].OpCode;
            ret.Operand = kept[0].Operand;
            var at = ret;
            for (int k = 0; k < kept.Count; k++)
            {
                var load = k == 0 ? ret : Clone(kept[k]);
                if (k > 0)
                {
                    il.InsertAfter(at, load);
                    at = load;
                }
                var call = Instruction.Create(OpCodes.Call, _keepAlive);
                il.InsertAfter(at, call);
                at = call;
            }
            il.InsertAfter(at, Instruction.Create(OpCodes.Ret));
        }
        body.OptimizeMacros();
        return true;
    }

    static Instruction Clone(Instruction load) =>
        load.Operand switch
        {
            ParameterDefinition p => Instruction.Create(load.OpCode, p),
            VariableDefinition v => Instruction.Create(load.OpCode, v),
            _ => throw new InvalidOperationException($"unexpected load {load}"),
        };

    static bool IsReference(TypeReference t) =>
        !t.IsValueType
        && !t.IsByReference
        && !t.IsPointer
        && !t.IsGenericParameter
        && !t.IsFunctionPointer
        && t.MetadataType != MetadataType.String;

    /// <summary>The static type of the value an instruction leaves on the stack, where it is a call's result, a new
    /// object or a field; null for the rest.</summary>
    static TypeReference? ProducedType(Instruction i)
    {
        if (i.OpCode == OpCodes.Newobj)
            return ((MethodReference)i.Operand).DeclaringType;
        if (i.OpCode == OpCodes.Call || i.OpCode == OpCodes.Callvirt)
        {
            var m = (MethodReference)i.Operand;
            return m.ReturnType.MetadataType == MetadataType.Void ? null : Substitute(m.ReturnType, m.DeclaringType);
        }
        if (i.OpCode == OpCodes.Ldfld)
        {
            var f = (FieldReference)i.Operand;
            return Substitute(f.FieldType, f.DeclaringType);
        }
        return null;
    }

    /// <summary>A generic type's parameter replaced by its argument (List&lt;Tensor&gt;'s indexer returns a
    /// Tensor).</summary>
    static TypeReference? Substitute(TypeReference t, TypeReference declaring)
    {
        if (t is GenericParameter gp)
            return
                gp.Owner is TypeReference
                && declaring is GenericInstanceType git
                && gp.Position < git.GenericArguments.Count
                ? git.GenericArguments[gp.Position]
                : null;
        return t.ContainsGenericParameter ? null : t;
    }

    bool MentionsOwner(TypeReference t) =>
        t switch
        {
            ArrayType a => MentionsOwner(a.ElementType),
            GenericInstanceType g => IsReference(g)
                && (OwnsHandle(g.ElementType) || g.GenericArguments.Any(MentionsOwner)),
            _ => IsReference(t) && OwnsHandle(t),
        };

    /// <summary>A class of this assembly that has (or inherits) a finalizer: its finalizer frees native memory.
    /// </summary>
    bool OwnsHandle(TypeReference t)
    {
        if (t.Scope != module)
            return false;
        if (_owners.TryGetValue(t.FullName, out bool known))
            return known;
        var def = t.Resolve();
        bool owns = false;
        for (var d = def; d != null && !owns; d = d.BaseType?.Scope == module ? d.BaseType.Resolve() : null)
            owns = d.Methods.Any(m => m.Name == "Finalize" && !m.HasParameters && m.IsVirtual);
        return _owners[t.FullName] = owns;
    }
}
